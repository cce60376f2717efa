# v6 manual (seed 000), Application Examples / Simple Mutual PSK XAuth Config / Server side config
/ip ipsec peer
add address=2.2.2.1 auth-method=pre-shared-key-xauth secret="123" passive=yes

/ip ipsec user
add name=test password=345
