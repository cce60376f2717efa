# IKEv2 road warriors: addresses from a pool, split networks, generated policies.
/ip pool
add name=rw-pool ranges=10.99.0.10-10.99.0.250
add name=rw-overflow ranges=10.98.0.0/24,10.97.0.1
/ip pool
set [ find where name=rw-pool ] next-pool=rw-overflow
/ip ipsec mode-config
add address-pool=rw-pool address-prefix-length=32 name=rw-cfg split-include=10.1.0.0/16,10.2.0.0/16 \
    static-dns=10.1.0.53 system-dns=no src-address-list=rw-clients
set [ find default=yes ] src-address-list=requested
/ip ipsec policy group
add name=rw-group comment="templates for road warriors"
/ip ipsec profile
add dh-group=ecp256,modp2048 enc-algorithm=aes-256 hash-algorithm=sha256 name=rw-profile
/ip ipsec peer
add exchange-mode=ike2 name=rw passive=yes profile=rw-profile
/ip ipsec identity
add auth-method=pre-shared-key generate-policy=port-strict mode-config=rw-cfg peer=rw \
    policy-template-group=rw-group remote-id=fqdn:client.example.net secret="rw shared key" \
    notrack-chain=prerouting
/ip ipsec policy
add dst-address=10.99.0.0/24 group=rw-group proposal=default src-address=0.0.0.0/0 template=yes
