# v3 manual (seed 004), Application Examples / MikroTik Router and Linux FreeS/WAN / MikroTik Router configuration
# [admin@MikroTik] > /ip ipsec ...
/ip ipsec peer add address=192.168.0.108 \
    secret="gvejimezyfopmekun" hash-algorithm=md5 enc-algorithm=3des \
    dh-group=modp1024 lifetime=28800s

# the manual omits the verb ("/ip ipsec proposal auth-algorithms=md5 ..."), which
# RouterOS rejects; "set default" is what it means
/ip ipsec proposal set default auth-algorithms=md5 \
    enc-algorithms=3des pfs-group=none

/ip ipsec policy add sa-src-address=192.168.0.155 \
    sa-dst-address=192.168.0.108 src-address=10.0.0.0/24 \
    dst-address=192.168.87.0/24 tunnel=yes
