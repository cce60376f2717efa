# v3 manual (seed 004), Application Examples / MikroTik router to CISCO Router / steps 1-3, for MikroTik router
# [admin@MikroTik] > ip ipsec ...
# 1. Add peer (with phase1 configuration parameters)
/ip ipsec peer add address=10.0.1.2 \
    secret="gvejimezyfopmekun" enc-algorithm=des
# 2. Set encryption proposal (phase2 proposal)
/ip ipsec proposal set default enc-algorithms=des
# 3. Add policy rule that matches traffic between subnets
/ip ipsec policy add \
    src-address=10.0.0.0/24 dst-address=10.0.2.0/24 action=encrypt \
    tunnel=yes sa-src=10.0.1.1 sa-dst=10.0.1.2
