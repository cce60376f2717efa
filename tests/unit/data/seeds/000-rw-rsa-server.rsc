# v6 manual (seed 000), Application Examples / Road Warrior setup with RSA Authentication / Ipsec Server Config
# Not in the example: the manual creates the certificates first ("Creating Certificates:
# All certificates can be created on RouterOS server using certificate manager"); here the
# server's certificate comes from a file, as ipsecd's /certificate does.
/certificate
import file-name=server.crt name=server

/ip ipsec policy group
add name=test

/ip ipsec peer
add auth-method=rsa-signature certificate=server exchange-mode=main \
    generate-policy=port-override passive=yes policy-group=test remote-certificate=none
/ip ipsec policy
add dst-address=172.16.1.0/24 group=test src-address=172.16.2.0/24 template=yes
