# v3 manual (seed 004), Application Examples / MikroTik Router to MikroTik Router / transport mode example using ESP with automatic keying and automatic policy generating on Router 1 and static policy on Router 2 (Router2)
# [admin@Router2] > ip ipsec ...
/ip ipsec policy add sa-src-address=1.0.0.2 sa-dst-address=1.0.0.1 \
    action=encrypt
/ip ipsec peer add address=1.0.0.1 \
    secret="gvejimezyfopmekun"
