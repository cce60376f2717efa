# RouterOS v6 export: phase 1 and authentication on the peer, policies by sa-dst-address.
/ip ipsec proposal
set [ find default=yes ] enc-algorithms=aes-256-cbc,aes-128-cbc pfs-group=modp2048
/ip ipsec peer
add address=203.0.113.5/32 dh-group=modp2048,modp1536 enc-algorithm=aes-256,aes-128 \
    exchange-mode=main-l2tp generate-policy=port-override hash-algorithm=sha256 \
    lifetime=8h nat-traversal=yes secret=verysecret
add address=203.0.113.9/32 dh-group=modp2048 enc-algorithm=aes-256 hash-algorithm=sha256 \
    secret=0x00112233445566778899aabbccddeeff dpd-interval=disable-dpd lifetime=1d
add address=0.0.0.0/0 auth-method=pre-shared-key-xauth exchange-mode=aggressive passive=yes \
    secret=roadwarriors generate-policy=yes my-id=fqdn:gw.example.net send-initial-contact=no
/ip ipsec policy
add dst-address=10.2.0.0/24 sa-dst-address=203.0.113.5 sa-src-address=198.51.100.1 \
    src-address=10.1.0.0/24 tunnel=yes
add dst-address=10.3.0.0/24 sa-dst-address=203.0.113.9 sa-src-address=198.51.100.1 \
    src-address=10.1.0.0/24 tunnel=yes priority=5
