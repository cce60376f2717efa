# invalid: unknown properties, values out of range, bad enums (errors with "did you mean")
/ip ipsec peer
add adress=192.0.2.1/32 name=t1
add address=192.0.2.2/33 name=t2 port=70000
add address=192.0.2.3/32 exchange-mode=ikev2 name=t3
/ip ipsec profile
add name=t4 dh-group=modp2048,modp2048 enc-algorithm=aes-512 lifetime=forever
/ip ipsec proposal
add name=t5 pfs-group=ecp999 auth-algorithms=sha256,, lifetime=1x
/ip ipsec polcy
add src-address=10.0.0.0/8
/ip ipsec peer
ad name=t6
add name=t1
