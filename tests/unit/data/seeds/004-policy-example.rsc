# v3 manual (seed 004), Policy Settings / Example (encrypt all traffic between 10.0.0.147 and 10.0.0.148)
# [admin@MikroTik] ip ipsec policy> add ...
/ip ipsec policy add sa-src-address=10.0.0.147 \
    sa-dst-address=10.0.0.148 action=encrypt
