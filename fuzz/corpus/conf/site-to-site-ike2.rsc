# One site-to-site tunnel over IKEv2 with a pre-shared key (v7 export).
/ip ipsec profile
set [ find default=yes ] dh-group=ecp256,modp2048 enc-algorithm=aes-256 hash-algorithm=sha256
/ip ipsec peer
add address=198.51.100.2/32 exchange-mode=ike2 name=site-b
/ip ipsec identity
add peer=site-b secret="CHANGE-ME-placeholder-secret"
/ip ipsec proposal
set [ find default=yes ] auth-algorithms=sha256 enc-algorithms=aes-256-cbc pfs-group=ecp256
/ip ipsec policy
add dst-address=10.2.0.0/24 peer=site-b proposal=default src-address=10.1.0.0/24 tunnel=yes
