# v6 manual (seed 000), Application Examples / Road Warrior setup with Mode Conf / IpSec Server Config
# (with the policy template of "Android Client Notes" at the end: the manual adds it to this
# server's configuration, "In our case we need to add", and it names this file's group)
/ip pool
add name=ipsec-RW ranges=192.168.77.2-192.168.77.254

/ip ipsec mode-config
add address-pool=ipsec-RW name=RW-cfg split-include=\
    10.5.8.0/24,192.168.55.0/24

/ip ipsec policy group
add name=RoadWarrior

/ip ipsec policy
add dst-address=192.168.77.0/24 group=RoadWarrior src-address=10.5.8.0/24 \
    template=yes
add dst-address=10.5.8.0/24  group=RoadWarrior src-address=192.168.77.0/24 \
    template=yes
add dst-address=192.168.77.0/24 group=RoadWarrior src-address=192.168.55.0/24 \
    template=yes

/ip ipsec user
add name=user1 password=123
add name=user2 password=234

/ip ipsec peer
add auth-method=pre-shared-key-xauth generate-policy=port-strict mode-config=RW-cfg \
    policy-group=RoadWarrior secret=123 passive=yes

# Application Examples / Road Warrior setup with Mode Conf / Android Client Notes
/ip ipsec policy
add group=RoadWarrior src-address=192.168.77.0/24 dst-address=0.0.0.0/0 template=yes
