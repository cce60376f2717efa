# v6 manual (seed 000), Application Examples / Simple Mutual PSK XAuth Config / Client side config
/ip ipsec peer
add address=2.2.2.2 auth-method=pre-shared-key-xauth secret="123" \
  xauth-login=test xauth-password=345
