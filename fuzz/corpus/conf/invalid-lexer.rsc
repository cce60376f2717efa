# invalid: lexer errors
/ip ipsec peer
add name="unterminated address=192.0.2.1/32
add name="bad\qescape" address=192.0.2.2/32
add name="x"y address=192.0.2.3/32
add =value name=p4
:foreach i in=[ find ] do={ set $i disabled=yes }
set [ find where name=p4 disabled=yes
set [ print ] comment=x
remove [ find where ] extra
/ip ipsec settings add accounting=yes
/ip ipsec policy group remove default
/ip pool add name=nopool
add name="tail \
