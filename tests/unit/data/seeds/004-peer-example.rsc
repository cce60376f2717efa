# v3 manual (seed 004), Peers / Example (peer 10.0.0.147 with secret=gwejimezyfopmekun)
# [admin@MikroTik] ip ipsec peer>add ...
/ip ipsec peer add address=10.0.0.147/32 \
    secret=gwejimezyfopmekun
