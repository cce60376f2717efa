# invalid: dangling references and what authentication methods need
/ip ipsec peer
add address=192.0.2.1/32 name=r1 profile=missing-profile
add address=192.0.2.2/32 local-address=2001:db8::1 name=r2
/ip ipsec identity
add peer=nobody secret=x
add auth-method=digital-signature peer=r1
add auth-method=rsa-key peer=r2 key=k1
add peer=r1
/ip ipsec policy
add dst-address=10.1.0.0/24 src-address=10.2.0.0/24
add dst-address=2001:db8::/32 src-address=10.2.0.0/24 peer=r1 proposal=nope
add dst-address=10.3.0.0/24 src-address=10.2.0.0/24 peer=r1 dst-port=80
/ip ipsec manual-sa
add esp-enc-algorithm=aes-256 esp-enc-key=0x0011 name=short
add esp-enc-algorithm=aes-128 esp-enc-key=0xZZ name=badhex
