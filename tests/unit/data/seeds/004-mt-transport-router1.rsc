# v3 manual (seed 004), Application Examples / MikroTik Router to MikroTik Router / transport mode example using ESP with automatic keying (Router1)
# [admin@Router1] > ip ipsec ...
/ip ipsec policy add sa-src-address=1.0.0.1 sa-dst-address=1.0.0.2 \
    action=encrypt
/ip ipsec peer add address=1.0.0.2 \
    secret="gvejimezyfopmekun"
