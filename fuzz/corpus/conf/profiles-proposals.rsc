/ip ipsec profile
add dh-group=ecp384,ecp256 dpd-interval=30s dpd-maximum-failures=3 enc-algorithm=aes-256,aes-128 \
    hash-algorithm=sha512 lifebytes=1000000 lifetime=8h name=strong proposal-check=strict
add dh-group=modp1024 enc-algorithm=3des hash-algorithm=md5 name=legacy nat-traversal=no \
    dpd-interval=disable-dpd lifetime=1d00:00:00 proposal-check=claim
add enc-algorithm=camellia-256,blowfish name=odd lifetime=1w2d3h4m5s
/ip ipsec proposal
add auth-algorithms=null enc-algorithms=aes-256-gcm,aes-128-gcm lifetime=1h name=gcm pfs-group=ecp384
add auth-algorithms=sha512,sha256 enc-algorithms=aes-256,aes-192 name=aliases pfs-group=none
add auth-algorithms=md5 enc-algorithms=3des,des name=weak lifetime=00:30:00 disabled=yes
add enc-algorithms=aes-256-ctr,twofish,camellia-128 name=misc comment="unusual ciphers"
/ip ipsec peer
add address=192.0.2.10/32 exchange-mode=ike2 name=strong-peer profile=strong
add address=192.0.2.11/32 exchange-mode=main name=legacy-peer profile=legacy port=4500
/ip ipsec identity
add peer=strong-peer secret=s1
add peer=legacy-peer secret=s2 my-id=address:192.0.2.1 remote-id=address:192.0.2.11
/ip ipsec policy
add dst-address=10.20.0.0/16 peer=strong-peer proposal=gcm src-address=10.10.0.0/16 tunnel=yes
add dst-address=10.21.0.0/16 peer=legacy-peer proposal=weak src-address=10.10.0.0/16 tunnel=yes \
    disabled=yes
