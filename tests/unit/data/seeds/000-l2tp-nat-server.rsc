# v6 manual (seed 000), Application Examples / Ipsec/L2TP behind NAT / IpSec Config (on server side)
/ip ipsec proposal
set [ find default=yes ] enc-algorithms=3des,aes-128,aes-192,aes-256
/ip ipsec peer
add generate-policy=yes hash-algorithm=sha1 nat-traversal=yes secret=test123456
