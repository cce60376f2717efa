# v3 manual (seed 004), Application Examples / MikroTik Router to MikroTik Router / transport mode example using ESP with automatic keying and automatic policy generating on Router 1 and static policy on Router 2 (Router1)
# [admin@Router1] > ip ipsec ...
/ip ipsec peer add address=1.0.0.0/24 \
    secret="gvejimezyfopmekun" generate-policy=yes
