# v3 manual (seed 004), Application Examples / MikroTik Router to MikroTik Router / tunnel mode example using AH with manual keying (Router2)
# [admin@Router2] > ip ipsec ...
/ip ipsec manual-sa add name=ah-sa1 \
    ah-spi=0x100/0x101 ah-key=abcfed
/ip ipsec policy add src-address=10.2.0.0/24 \
    dst-address=10.1.0.0/24 action=encrypt ipsec-protocols=ah \
    tunnel=yes sa-src=1.0.0.2 sa-dst=1.0.0.1 manual-sa=ah-sa1
