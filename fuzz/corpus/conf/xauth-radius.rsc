/radius
add address=192.0.2.200 secret=radius-secret service=ipsec,login src-address=192.0.2.1 timeout=1000
add accounting-port=11813 address=2001:db8::200 authentication-port=11812 secret="r2" \
    service=ipsec disabled=yes comment=backup
/ip ipsec settings
set accounting=yes interim-update=5m xauth-use-radius=yes
/ip ipsec user
add name=alice password=alice-pass address=10.99.1.10
add name=bob password="b\"o\\b" disabled=yes comment="on leave"
/ip ipsec peer
add address=0.0.0.0/0 exchange-mode=main name=xauth-gw passive=yes
/ip ipsec identity
add auth-method=pre-shared-key-xauth peer=xauth-gw secret=group-key generate-policy=port-strict
