# v6 manual (seed 000), Application Examples / Road Warrior setup with Mode Conf / Apple iOS (iPhone/iPad) Client
/ip ipsec proposal
set default enc-algorithms=aes-128-cbc,aes-256-cbc lifetime=8h \
    pfs-group=none
