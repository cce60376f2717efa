/certificate
import file-name=ca.crt name=ca
import file-name=gw.p12 name=gw passphrase=unlock-me
import file-name=peer.crt name=peer-cert
/ip ipsec key
import file-name=local.pem name=local-key
import file-name=remote.pub name=remote-key
/ip ipsec peer
add address=198.51.100.20/32 exchange-mode=ike2 name=cert-peer
add address=198.51.100.21/32 exchange-mode=main name=rsa-peer
add address=198.51.100.22/32 exchange-mode=ike2 name=hybrid-peer
/ip ipsec identity
add auth-method=digital-signature certificate=gw match-by=certificate peer=cert-peer \
    remote-certificate=peer-cert my-id=fqdn:gw.example.net remote-id=ignore
add auth-method=rsa-key key=local-key peer=rsa-peer remote-key=remote-key
add auth-method=rsa-signature certificate=gw peer=hybrid-peer remote-id=user-fqdn:admin@example.net
