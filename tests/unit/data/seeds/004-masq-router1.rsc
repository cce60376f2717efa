# v3 manual (seed 004), Application Examples / IPsec Between two Masquerading MikroTik Routers / 2. configure IPsec (Router1)
# [admin@Router1] > ip ipsec ...
/ip ipsec policy add src-address=10.1.0.0/24 \
    dst-address=10.2.0.0/24 action=encrypt tunnel=yes \
    sa-src-address=1.0.0.1 sa-dst-address=1.0.0.2
/ip ipsec peer add address=1.0.0.2 \
    exchange-mode=aggressive secret="gvejimezyfopmekun"
