# v6 statically keyed SAs (no IKE).
/ip ipsec manual-sa
add ah-algorithm=sha1 ah-key=0x00112233445566778899aabbccddeeff00112233 ah-spi=0x200 name=sa-ah
add esp-auth-algorithm=md5 esp-auth-key=0x00112233445566778899aabbccddeeff esp-enc-algorithm=aes-128 \
    esp-enc-key=0xffeeddccbbaa99887766554433221100 esp-spi=0x300 lifetime=1h name=sa-esp
add esp-enc-algorithm=des esp-enc-key=8bytekey esp-spi=4096 name=sa-des disabled=yes
/ip ipsec policy
add dst-address=10.50.0.0/24 manual-sa=sa-esp sa-dst-address=192.0.2.50 sa-src-address=192.0.2.1 \
    src-address=10.40.0.0/24 tunnel=yes
add dst-address=10.51.0.0/24 ipsec-protocols=ah manual-sa=sa-ah src-address=10.40.0.0/24 \
    level=use
