# invalid in a file: runtime commands are for ipsecctl only
/ip ipsec installed-sa flush
/ip ipsec active-peers kill-connections
/ip ipsec peer print detail
/ip ipsec policy print where peer=x
/ip ipsec remote-peers print
/ip ipsec key generate-key name=k key-size=2048
export
