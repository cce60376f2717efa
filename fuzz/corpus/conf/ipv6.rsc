/ip pool
add name=v6pool ranges=2001:db8:99::10-2001:db8:99::ff,2001:db8:98::/120
/ip ipsec mode-config
add address-pool=v6pool name=v6cfg responder=yes static-dns=2001:db8::53 split-include=2001:db8:1::/48
/ip ipsec peer
add address=2001:db8:ffff::2/128 exchange-mode=ike2 local-address=2001:db8:ffff::1 name=v6peer
add address=2001:db8:eeee::/64 exchange-mode=ike2 name=v6net passive=yes
/ip ipsec identity
add mode-config=v6cfg peer=v6net secret=v6net-key generate-policy=port-override
add peer=v6peer secret=v6-key my-id=address:2001:db8:ffff::1 remote-id=address:2001:db8:ffff::2
/ip ipsec policy
add dst-address=2001:db8:2::/48 peer=v6peer src-address=2001:db8:1::/48 tunnel=yes
add dst-address=2001:db8:3::1 peer=v6peer src-address=2001:db8:1::1 protocol=icmpv6
add dst-address=::/0 src-address=::/0 action=discard level=require disabled=yes
