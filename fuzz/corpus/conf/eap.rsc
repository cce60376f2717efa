/certificate
import file-name=ca.crt name=ca
/ip ipsec peer
add address=203.0.113.40/32 exchange-mode=ike2 name=eap-server
add address=0.0.0.0/0 exchange-mode=ike2 name=eap-clients passive=yes
/ip ipsec identity
add auth-method=eap eap-methods=eap-mschapv2,eap-ttls password="p@ss word" peer=eap-server \
    username=user1 remote-certificate=ca my-id=key-id:client-1
add auth-method=eap-radius certificate=ca peer=eap-clients generate-policy=port-strict
/radius
add address=192.0.2.201 secret=eap service=ipsec
