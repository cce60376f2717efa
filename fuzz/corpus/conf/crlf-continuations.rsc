# CRLF line endings, continuations, comments, ";" separators and relative menus.
/ip ipsec
peer add name=crlf address=192.0.2.77/32 \
    exchange-mode=ike2 # trailing comment
identity add peer=crlf secret=crlf-secret
# a comment line between commands
/ip ipsec peer; add name=semi address=192.0.2.78/32; add name=semi2 address=192.0.2.79/32
/ip ipsec identity
add peer=semi secret=a ; add peer=semi2 \
secret=b
/ip ipsec policy
add src-address=10.7.0.0/24 \
    dst-address=10.8.0.0/24 \
    \
    peer=semi tunnel=yes comment="a comment that runs \
on the next line"
/ip ipsec peer set semi2 comment=#not-a-comment
/
ip ipsec proposal add name=rel pfs-group=ecp521
