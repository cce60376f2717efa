/ip ipsec profile
set [ find default=yes ] dh-group=ecp256 lifetime=12h
add name=p2
set [ find where name=p2 ] enc-algorithm=aes-192
set p2 hash-algorithm=sha256
/ip ipsec proposal
set [ find default=yes ] pfs-group=none
set default lifetime=45m
set [ find ] comment=all-proposals
/ip ipsec peer
add address=192.0.2.1/32 name=a profile=p2
add address=192.0.2.2/32 name=b
add address=192.0.2.3/32 name=c disabled=yes
set a,b exchange-mode=ike2
set [ find where address=192.0.2.3/32 ] comment=third
disable [ find where name=b ]
enable b
remove [ find where disabled=yes ]
set 1 passive=yes
/ip ipsec identity
add peer=a secret=x
add peer=b secret=y comment=old
remove [ find where comment=old ]
set 0 secret=z
/ip ipsec policy
add dst-address=10.2.0.0/24 peer=a src-address=10.1.0.0/24 tunnel=yes
add dst-address=10.3.0.0/24 peer=a src-address=10.1.0.0/24 tunnel=yes place-before=0
set [ find where dst-address=10.3.0.0/24 ] proposal=default level=unique
/ip ipsec mode-config
set request-only src-address-list=rq
