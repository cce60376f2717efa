/ip ipsec policy group
add name=tmpl-v4
add name=tmpl-v6
/ip ipsec policy
add dst-address=0.0.0.0/0 group=tmpl-v4 src-address=0.0.0.0/0 template=yes
add dst-address=::/0 group=tmpl-v6 src-address=::/0 template=yes protocol=tcp
add dst-address=192.168.0.0/16 group=tmpl-v4 src-address=10.0.0.0/8 template=yes action=none
set [ find where group=tmpl-v6 ] level=unique
/ip ipsec peer
add exchange-mode=ike2 name=any passive=yes
/ip ipsec identity
add generate-policy=port-override peer=any policy-template-group=tmpl-v4 secret=x
