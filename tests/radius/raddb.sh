# shellcheck shell=bash
# raddb.sh: a private FreeRADIUS 3.2 configuration, sourced by tests/radius/freeradius.sh and
# by the integration scenarios that need a RADIUS server. Nothing of /etc/freeradius is used.
#
#   raddb_make DIR LISTEN AUTH-PORT CLIENT SECRET USER PASSWORD [FRAMED-IP]
#       writes DIR/radiusd.conf: one virtual server listening on LISTEN:AUTH-PORT
#       (authentication) and AUTH-PORT+1 (accounting), one client CLIENT (an address or
#       prefix) with SECRET and require_message_authenticator = yes, one user with a
#       Cleartext-Password (and Framed-IP-Address when given), the eap module with
#       default_eap_type = mschapv2 (MS-MPPE keys in the Access-Accept), the pap module
#       for a plain User-Password (IKEv1 XAuth over RADIUS), and an accounting section
#       that answers every Accounting-Request.
#       With RADDB_TLS="CERT KEY CA" (PEM files) in the environment, the eap module also
#       serves PEAP and TTLS with that server certificate and EAP-MSCHAPv2 inside (an
#       inner-tunnel virtual server), EAP-MSCHAPv2 still the type it proposes first.
#       With RADDB_EAP_TLS="PKI LEAF" (PKI/LEAF.pem, PKI/LEAF.key, PKI/ca.pem) it serves
#       EAP-TLS with that certificate and proposes EAP-TLS first.
#   raddb_start DIR LOG     freeradius -X -d DIR in the background, output to LOG; sets
#                           raddb_pid; waits (bounded) for "Ready to process requests"
#   raddb_stop              SIGTERM to raddb_pid
#
# FreeRADIUS 3.2.1 signs a PAP Access-Accept (IKEv1 XAuth) with no Message-Authenticator,
# which ipsecd drops: post-auth adds one (the server computes it when it sends the reply).
#
# Why a whole configuration of our own: `freeradius -i ADDR -p PORT` on a copy of the
# package's configuration opens listeners outside every virtual server, so no authorize or
# accounting section runs ("No Auth-Type found: rejecting the user", "Not sending reply to
# client"): that was why FreeRADIUS rejected the EAP-Identity and never answered accounting.

# _raddb_tls_eap CERT KEY CA: the eap module's TLS-based types, and the inner server.
_raddb_tls_eap() {
	printf '%s\n' \
		'		tls-config tls-common {' \
		"			certificate_file = $1" \
		"			private_key_file = $2" \
		"			ca_file = $3" \
		'			tls_min_version = "1.2"' \
		'			tls_max_version = "1.2"' \
		'			ecdh_curve = "prime256v1"' \
		'		}' \
		'		peap {' \
		'			tls = tls-common' \
		'			default_eap_type = mschapv2' \
		'			virtual_server = inner-tunnel' \
		'		}' \
		'		ttls {' \
		'			tls = tls-common' \
		'			default_eap_type = mschapv2' \
		'			virtual_server = inner-tunnel' \
		'		}'
}

_raddb_inner_server() {
	printf '%s\n' \
		'server inner-tunnel {' \
		'	authorize {' '		files' '		eap' '	}' \
		'	authenticate {' \
		'		Auth-Type EAP {' '			eap' '		}' \
		'		Auth-Type MS-CHAP {' '			mschap' '		}' \
		'	}' \
		'	post-auth {' '		ok' '	}' \
		'}'
}

raddb_make() {
	local dir=$1 listen=$2 port=$3 client=$4 secret=$5 user=$6 pass=$7 framed=${8:-}
	local eap_type=mschapv2
	[ -z "${RADDB_EAP_TLS:-}" ] || eap_type=tls
	local tls_eap='' inner=''
	if [ -n "${RADDB_TLS:-}" ]; then
		# shellcheck disable=SC2086 # three file names
		tls_eap=$(_raddb_tls_eap $RADDB_TLS)
		inner=$(_raddb_inner_server)
	fi
	mkdir -p "$dir"
	{
		printf '%s\tCleartext-Password := "%s"\n' "$user" "$pass"
		[ -z "$framed" ] || printf '\tFramed-IP-Address = %s\n' "$framed"
	} >"$dir/users"
	cat >"$dir/radiusd.conf" <<EOF
prefix = /usr
raddbdir = $dir
confdir = $dir
localstatedir = $dir
logdir = $dir
run_dir = $dir
libdir = /usr/lib/freeradius
dictdir = /usr/share/freeradius
pidfile = $dir/radiusd.pid
name = freeradius
max_request_time = 30
cleanup_delay = 5
max_requests = 1024
hostname_lookups = no
log {
	destination = stdout
	auth = yes
	auth_badpass = no
	auth_goodpass = no
}
security {
	allow_core_dumps = no
	max_attributes = 200
	reject_delay = 0
	status_server = no
	allow_vulnerable_openssl = yes
}
client ipsecd {
	ipaddr = $client
	secret = $secret
	require_message_authenticator = yes
}
modules {
	files {
		filename = $dir/users
	}
	mschap {
		use_mppe = yes
		require_encryption = yes
		require_strong = yes
	}
	eap {
		default_eap_type = $eap_type
		timer_expire = 60
		ignore_unknown_eap_types = no
		max_sessions = 256
		mschapv2 {
			send_error = no
		}
$tls_eap
$(_raddb_eap_tls)
	}
	pap {
		normalise = yes
	}
	always ok {
		rcode = ok
	}
}
server default {
	listen {
		type = auth
		ipaddr = $listen
		port = $port
	}
	listen {
		type = acct
		ipaddr = $listen
		port = $((port + 1))
	}
	authorize {
		files
		eap
		pap
	}
	authenticate {
		Auth-Type EAP {
			eap
		}
		Auth-Type MS-CHAP {
			mschap
		}
		Auth-Type PAP {
			pap
		}
	}
	preacct {
		ok
	}
	accounting {
		ok
	}
	post-auth {
		# Message-Authenticator in every Access-Accept (RFC 3579 3.2; ipsecd refuses
		# one without, as Blast-RADIUS advises): FreeRADIUS 3.2.1 adds it only for EAP,
		# and fills in one the reply carries
		update reply {
			Message-Authenticator := 0x00
		}
		ok
		Post-Auth-Type REJECT {
			eap
		}
	}
}
$inner
EOF
}

# _raddb_eap_tls: the eap module's EAP-TLS part when RADDB_EAP_TLS="PKI LEAF" is set.
# fragment_size 1024 as FreeRADIUS's default: a flight of EAP-TLS is then several EAP
# rounds, each EAP-Message split over 253-byte attributes and tied by State.
_raddb_eap_tls() {
	[ -n "${RADDB_EAP_TLS:-}" ] || return 0
	local pki=${RADDB_EAP_TLS% *} leaf=${RADDB_EAP_TLS#* }
	cat <<EOT
		tls-config tls-it {
			private_key_file = $pki/$leaf.key
			certificate_file = $pki/$leaf.pem
			ca_file = $pki/ca.pem
			random_file = /dev/urandom
			fragment_size = 1024
			include_length = yes
			check_crl = no
			cipher_list = "DEFAULT"
			tls_min_version = "1.2"
			tls_max_version = "1.2"
			ecdh_curve = "prime256v1"
			cache {
				enable = no
			}
		}
		tls {
			tls = tls-it
		}
EOT
}

raddb_start() {
	local dir=$1 log=$2 _
	freeradius -X -d "$dir" >"$log" 2>&1 &
	raddb_pid=$!
	for _ in $(seq 300); do
		grep -q "Ready to process requests" "$log" && return 0
		kill -0 "$raddb_pid" 2>/dev/null || break
		sleep 0.1
	done
	tail -30 "$log"
	echo "FreeRADIUS did not start"
	return 1
}

raddb_stop() {
	[ -n "${raddb_pid:-}" ] || return 0
	kill "$raddb_pid" 2>/dev/null || true
	wait "$raddb_pid" 2>/dev/null || true
	raddb_pid=
}
