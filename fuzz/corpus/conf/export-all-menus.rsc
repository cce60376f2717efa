# ipsecd configuration export
/ip pool
add name=rw-pool next-pool=rw-overflow ranges=10.99.0.10-10.99.0.250
add name=rw-overflow ranges=10.98.0.0-10.98.0.255,10.97.0.1
/certificate
import file-name=ca.crt name=ca
import file-name=gw.p12 name=gw
import file-name=peer.crt name=peer-cert
/radius
add address=192.0.2.200 secret=radius-secret service=ipsec,login src-address=192.0.2.1 timeout=1000
add accounting-port=11813 address=2001:db8::200 authentication-port=11812 comment=backup disabled=yes secret=r2 service=ipsec
/ip ipsec key
import file-name=local.pem name=local-key
import file-name=remote.pub name=remote-key
/ip ipsec mode-config
set [ find default=yes ] src-address-list=rq
add address-pool=rw-pool address-prefix-length=32 name=rw-cfg split-include=10.1.0.0-10.1.255.255,10.2.0.0-10.2.255.255 src-address-list=rw-clients static-dns=10.1.0.53
/ip ipsec policy group
add comment="templates for road warriors" name=rw-group
/ip ipsec profile
set [ find default=yes ] dh-group=ecp256 lifetime=12h
add dh-group=ecp256,modp2048 enc-algorithm=aes-256 hash-algorithm=sha256 name=rw-profile
add enc-algorithm=aes-192 hash-algorithm=sha256 name=p2
/ip ipsec peer
add exchange-mode=ike2 name=rw passive=yes profile=rw-profile
add name=xauth-gw passive=yes
add address=198.51.100.20/32 exchange-mode=ike2 name=cert-peer
add address=198.51.100.21/32 name=rsa-peer
add address=198.51.100.22/32 exchange-mode=ike2 name=hybrid-peer
add address=192.0.2.1/32 exchange-mode=ike2 name=a profile=p2
add address=192.0.2.2/32 exchange-mode=ike2 name=b
/ip ipsec proposal
set [ find default=yes ] comment=all-proposals lifetime=45m pfs-group=none
/ip ipsec identity
add generate-policy=port-strict mode-config=rw-cfg notrack-chain=prerouting peer=rw policy-template-group=rw-group remote-id=fqdn:client.example.net secret=z
add auth-method=pre-shared-key-xauth generate-policy=port-strict peer=xauth-gw secret=group-key
add auth-method=digital-signature certificate=gw match-by=certificate my-id=fqdn:gw.example.net peer=cert-peer remote-certificate=peer-cert remote-id=ignore
add auth-method=rsa-key key=local-key peer=rsa-peer remote-key=remote-key
add auth-method=digital-signature certificate=gw peer=hybrid-peer remote-id=user-fqdn:admin@example.net
add peer=a secret=x
/ip ipsec manual-sa
add ah-algorithm=sha1 ah-key=0x00112233445566778899aabbccddeeff00112233 ah-spi=512 name=sa-ah
add esp-auth-algorithm=md5 esp-auth-key=0x00112233445566778899aabbccddeeff esp-enc-algorithm=aes-128 esp-enc-key=0xffeeddccbbaa99887766554433221100 esp-spi=768 lifetime=1h name=sa-esp
add disabled=yes esp-enc-algorithm=des esp-enc-key=8bytekey esp-spi=4096 name=sa-des
/ip ipsec policy
add dst-address=10.3.0.0/24 level=unique peer=a src-address=10.1.0.0/24 tunnel=yes
add dst-address=10.99.0.0/24 group=rw-group src-address=0.0.0.0/0 template=yes
add dst-address=10.50.0.0/24 manual-sa=sa-esp sa-dst-address=192.0.2.50 sa-src-address=192.0.2.1 src-address=10.40.0.0/24 tunnel=yes
add dst-address=10.51.0.0/24 ipsec-protocols=ah level=use manual-sa=sa-ah src-address=10.40.0.0/24
add dst-address=10.2.0.0/24 peer=a src-address=10.1.0.0/24 tunnel=yes
/ip ipsec user
add address=10.99.1.10 name=alice password=alice-pass
add comment="on leave" disabled=yes name=bob password="b\"o\\b"
/ip ipsec settings
set accounting=yes interim-update=5m xauth-use-radius=yes
