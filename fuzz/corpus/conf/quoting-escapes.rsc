/ip ipsec peer
add address=192.0.2.90/32 comment="quote \" backslash \\ dollar \$ question \? space\_here" \
    name="peer with spaces"
add address=192.0.2.91/32 comment="tab\tnewline\ncr\rbell\a\b\f\v hex:\41\42\7E\e9" name=p91
add address=192.0.2.92/32 comment="semicolon; equals= brackets [ ] braces { } hash #" name="p;92"
add address=192.0.2.93/32 comment="" name=empty-comment
/ip ipsec identity
add peer="peer with spaces" secret="s3cr\$t \"with\" \\escapes\\ and = ; [ ]"
add peer=p91 secret=0xDEADBEEF my-id="user-fqdn:a b@example.net"
add peer="p;92" secret="caf\C3\A9-\00-nul"
add peer=empty-comment secret=plain#hash=inside
