# v3 manual (seed 004), Application Examples / IPsec Between two Masquerading MikroTik Routers / 2. configure IPsec (Router2)
# [admin@Router2] > ip ipsec ...
/ip ipsec policy add src-address=10.2.0.0/24 \
    dst-address=10.1.0.0/24 action=encrypt tunnel=yes \
    sa-src-address=1.0.0.2 sa-dst-address=1.0.0.1
/ip ipsec peer add address=1.0.0.1 \
    exchange-mode=aggressive secret="gvejimezyfopmekun"
