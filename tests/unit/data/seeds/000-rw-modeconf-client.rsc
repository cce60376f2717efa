# v6 manual (seed 000), Application Examples / Road Warrior setup with Mode Conf / RouterOS Client Config
/ip ipsec peer
add address=2.2.2.2 auth-method=pre-shared-key-xauth generate-policy=port-strict secret=123 \
     xauth-login=user1 xauth-password=123
