/ip ipsec peer
add address=192.0.2.60/32 exchange-mode=ike2 name=pp
/ip ipsec identity
add peer=pp secret=pp
/ip ipsec policy
add dst-address=10.60.0.0/24 dst-port=443 peer=pp protocol=tcp src-address=10.61.0.0/24
add dst-address=10.60.0.0/24 dst-port=53 peer=pp protocol=udp src-address=10.61.0.0/24 src-port=any
add dst-address=10.60.0.0/24 peer=pp protocol=47 src-address=10.61.0.0/24 ipsec-protocols=ah,esp
add dst-address=10.60.0.1/32 protocol=sctp src-port=2905 action=none src-address=10.61.0.1
add dst-address=10.60.0.2 protocol=udp-lite dst-port=0 action=discard src-address=10.61.0.2
add dst-address=10.60.0.3 protocol=ipsec-esp action=none src-address=10.61.0.3 priority=100
add dst-address=10.60.0.4 protocol=dccp dst-port=65535 peer=pp src-address=10.61.0.4 level=use
add dst-address=10.60.0.0/24 peer=pp src-address=10.61.0.0/24 place-before=0 comment=first
add dst-address=10.60.0.0/24 dst-port=443 peer=pp protocol=tcp src-address=10.61.0.0/24 comment=dup
