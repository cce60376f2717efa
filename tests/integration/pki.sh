# shellcheck shell=bash
# tests/integration/pki.sh: a test PKI made at run time, and certificate configurations
# for ipsecd and strongSwan.
#
# A scenario sources it after lib.sh (and strongswan.sh, for the sw_* helpers here):
#     . "$IT_DIR/lib.sh"
#     . "$IT_DIR/strongswan.sh"
#     . "$IT_DIR/pki.sh"
# and gets:
#   PKI           pki_make DIR [ca=CN] LEAF...; pki_revoke DIR NAME; pki_crl DIR
#   files         pki_copy SRC DST (without a process)
#   ipsecd        conf_ike_cert KEY=VALUE...: an IKEv2 tunnel authenticated by certificates
#   strongSwan    sw_install_pki NAME DIR LEAF...; sw_conf_cert KEY=VALUE...
#
# Everything is made with the openssl command (Debian package openssl), with as few
# processes as it takes (each costs 50-300 ms in user-mode Linux): one for the CA, one a
# leaf (its key and request), one to sign all the requests, one a revocation and one for
# the CRL. The certificates are valid from now for 30 days.

# pki_make DIR [ca=CN] LEAF...: makes DIR (which must not exist) with
#   ca.pem, ca.key  an ECDSA P-256 CA (basicConstraints critical CA:TRUE, keyUsage
#                   critical keyCertSign, cRLSign), subject O=ipsecd-it, CN=ipsecd-it CA
#                   (CN=CN if told: a second CA must have a name of its own, as the
#                   serials of its certificates are the first's)
#   NAME.pem        a leaf certificate for each LEAF, which is NAME:KEYTYPE:DNSNAME:
#                   KEYTYPE ec (P-256) or rsa (2048 bits), subject O=ipsecd-it, CN=DNSNAME,
#                   subjectAltName DNS:DNSNAME, keyUsage digitalSignature, signed by the CA
#                   with SHA-256
#   NAME.key        its private key (PKCS#8 PEM, mode 0600)
#   NAME-bundle.pem the certificate followed by its key, in one file (mode 0600)
#   ca.cnf and the CA's database, for pki_revoke and pki_crl.
# Fails, with openssl's messages, if openssl does.
pki_make() ( # a subshell: its umask is its own
	local d=$1 leaf name kind dns serial i=0 csrs=() names=() newkey cn='ipsecd-it CA'
	shift
	case ${1:-} in ca=*)
		cn=${1#ca=}
		shift
		;;
	esac
	if ! type -P openssl >/dev/null; then
		echo "pki_make: no openssl command: apt-get install openssl" >&2
		return 1
	fi
	mkdir "$d" "$d/issued" || return 1
	: >"$d/index.txt"
	echo 1000 >"$d/serial"
	echo 01 >"$d/crlnumber"
	# shellcheck disable=SC2016 # $dir is openssl's, expanded by openssl
	printf '%s\n' \
		'[ca]' 'default_ca = it' \
		'[it]' \
		"dir = $d" \
		'database = $dir/index.txt' \
		'serial = $dir/serial' \
		'crlnumber = $dir/crlnumber' \
		'new_certs_dir = $dir/issued' \
		'certificate = $dir/ca.pem' \
		'private_key = $dir/ca.key' \
		'default_md = sha256' \
		'default_days = 30' \
		'default_crl_days = 30' \
		'policy = any' \
		'unique_subject = no' \
		'email_in_dn = no' \
		'copy_extensions = copy' \
		'x509_extensions = leaf' \
		'crl_extensions = crl' \
		'[any]' 'organizationName = optional' 'commonName = supplied' \
		'[leaf]' \
		'basicConstraints = critical, CA:FALSE' \
		'keyUsage = critical, digitalSignature' \
		'subjectKeyIdentifier = hash' \
		'authorityKeyIdentifier = keyid' \
		'[crl]' 'authorityKeyIdentifier = keyid' \
		'[req]' 'distinguished_name = dn' 'prompt = no' \
		'[dn]' >"$d/ca.cnf"
	openssl req -config "$d/ca.cnf" -x509 -noenc -days 30 -sha256 \
		-newkey ec -pkeyopt ec_paramgen_curve:P-256 -keyout "$d/ca.key" -out "$d/ca.pem" \
		-subj "/O=ipsecd-it/CN=$cn" \
		-addext 'basicConstraints = critical, CA:TRUE' \
		-addext 'keyUsage = critical, keyCertSign, cRLSign' \
		-addext 'subjectKeyIdentifier = hash' 2>"$d/ca.req.err" || {
		cat "$d/ca.req.err" >&2
		return 1
	}
	for leaf; do
		IFS=: read -r name kind dns <<<"$leaf"
		case $kind in
		ec) newkey=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
		rsa) newkey=(-newkey rsa:2048) ;;
		*)
			echo "pki_make: '$leaf': the key type is ec or rsa" >&2
			return 1
			;;
		esac
		openssl req -config "$d/ca.cnf" -new -noenc "${newkey[@]}" -keyout "$d/$name.key" \
			-out "$d/$name.csr" -subj "/O=ipsecd-it/CN=$dns" \
			-addext "subjectAltName = DNS:$dns" 2>"$d/$name.req.err" || {
			cat "$d/$name.req.err" >&2
			return 1
		}
		csrs+=("$d/$name.csr")
		names+=("$name")
	done
	[ "${#csrs[@]}" -gt 0 ] || return 0
	# One process signs every request; each certificate lands in issued/SERIAL.pem,
	# the serials counting up from 1000 (hex) in the order of the requests.
	openssl ca -config "$d/ca.cnf" -batch -notext -out /dev/null -infiles "${csrs[@]}" \
		2>"$d/ca.err" || {
		cat "$d/ca.err" >&2
		return 1
	}
	umask 077
	for name in "${names[@]}"; do
		printf -v serial '%X' $((0x1000 + i++))
		pki_copy "$d/issued/$serial.pem" "$d/$name.pem" &&
			pki_copy "$d/$name.pem" "$d/$name-bundle.pem" &&
			pki_copy "$d/$name.key" "$d/$name-bundle.pem" append || return 1
	done
)

# pki_revoke DIR NAME: the CA of pki_make DIR revokes NAME's certificate (reason
# keyCompromise); pki_crl then lists it.
pki_revoke() {
	openssl ca -config "$1/ca.cnf" -batch -revoke "$1/$2.pem" -crl_reason keyCompromise \
		2>"$1/revoke.err" || {
		cat "$1/revoke.err" >&2
		return 1
	}
}

# pki_crl DIR: DIR/ca.crl, the CA's CRL (PEM), listing what pki_revoke revoked.
pki_crl() {
	openssl ca -config "$1/ca.cnf" -batch -gencrl -out "$1/ca.crl" 2>"$1/crl.err" || {
		cat "$1/crl.err" >&2
		return 1
	}
}

# pki_copy SRC DST [append]: copies a text file with shell builtins only (new files get
# the umask's mode).
pki_copy() {
	local lines
	mapfile -t lines <"$1" || return 1
	if [ "${3:-}" = append ]; then
		printf '%s\n' "${lines[@]}" >>"$2"
	else
		printf '%s\n' "${lines[@]}" >"$2"
	fi
}

# ---------------------------------------------------------------- ipsecd

# conf_ike_cert KEY=VALUE...: prints an ipsecd configuration with one IKEv2 peer (IKEv1
# with exchange=main or aggressive) authenticated by certificates and one tunnel policy
# between two subnets. Keys:
#   peer (its address), local_ts, remote_ts, pki (pki_make's directory),
#   cert (a leaf's NAME)                                    required
#   remote_id=auto       the identity's remote-id (fqdn:a.test, ignore, ...)
#   remote_ids           several identities instead of one: remote-ids separated by
#                        spaces, one identity each, all with cert
#   crl=yes              import the CA's CRL (pki_crl) as well
#   auth=digital-signature  the identities' auth-method (rsa-signature-hybrid: IKEv1)
#   passive=no, exchange=ike2, enc=aes-256, hash=sha256, dh=ecp256,modp2048
#                                                           the peer and its profile
#   penc=aes-256-cbc, pauth=sha256                          the proposal
#   extra                                                   more lines, appended as is
# The certificates imported are named ca, NAME and ca-crl.
conf_ike_cert() {
	local -A o=([passive]=no [enc]=aes-256 [hash]=sha256 [dh]='ecp256,modp2048'
		[penc]=aes-256-cbc [pauth]=sha256 [crl]=yes [remote_id]=auto [exchange]=ike2
		[auth]=digital-signature)
	local kv k rid
	for kv in "$@"; do o[${kv%%=*}]=${kv#*=}; done
	for k in peer local_ts remote_ts pki cert; do
		if [ -z "${o[$k]:-}" ]; then
			echo "conf_ike_cert: $k= is required" >&2
			return 1
		fi
	done
	: "${o[remote_ids]:=${o[remote_id]}}"
	printf '%s\n' \
		"/certificate import file-name=${o[pki]}/ca.pem name=ca" \
		"/certificate import file-name=${o[pki]}/${o[cert]}-bundle.pem name=${o[cert]}"
	[ "${o[crl]}" != yes ] || echo "/certificate import file-name=${o[pki]}/ca.crl name=ca-crl"
	printf '%s\n' \
		"/ip ipsec profile add name=p1 enc-algorithm=${o[enc]} hash-algorithm=${o[hash]} dh-group=${o[dh]}" \
		"/ip ipsec peer add name=other address=${o[peer]}/32 exchange-mode=${o[exchange]} profile=p1 passive=${o[passive]}"
	for rid in ${o[remote_ids]}; do
		echo "/ip ipsec identity add peer=other auth-method=${o[auth]} certificate=${o[cert]} remote-id=$rid"
	done
	printf '%s\n' \
		"/ip ipsec proposal add name=pr1 enc-algorithms=${o[penc]} auth-algorithms=${o[pauth]} pfs-group=none" \
		"/ip ipsec policy add src-address=${o[local_ts]} dst-address=${o[remote_ts]} tunnel=yes peer=other proposal=pr1" \
		"${o[extra]:-}"
}

# ---------------------------------------------------------------- strongSwan

# sw_install_pki NAME DIR LEAF...: puts the CA of pki_make DIR into strongSwan instance
# NAME's swanctl/x509ca/, and each LEAF's certificate into x509/ (as LEAF.pem) and its
# key into private/ (mode 0600), for sw_load. NAME must have been started (sw_start
# makes its directories).
sw_install_pki() ( # a subshell: its umask is its own
	local sw d=$2 leaf
	sw=$(sw_dir "$1")/swanctl
	shift 2
	[ -d "$sw/x509ca" ] || {
		echo "sw_install_pki: $sw/x509ca is missing (sw_start first)" >&2
		return 1
	}
	pki_copy "$d/ca.pem" "$sw/x509ca/ca.pem" || return 1
	umask 077
	for leaf; do
		pki_copy "$d/$leaf.pem" "$sw/x509/$leaf.pem" &&
			pki_copy "$d/$leaf.key" "$sw/private/$leaf.key" || return 1
	done
)

# sw_conf_cert KEY=VALUE...: prints a swanctl.conf with one IKEv2 connection "gw"
# authenticated by certificates (auth = pubkey at both ends), with one CHILD_SA "net":
#   local, remote, local_ts, remote_ts   as sw_conf_psk's
#   cert                 this end's certificate, a file in x509/ (certs = ...)
#   local_id, remote_id  the identities (the certificate's SAN, the other's)
# and optionally ike=aes256-sha256-ecp256, esp=aes256-sha256, version=0 (any, initiating
# IKEv2; 1: IKEv1 main mode), aggressive=yes (IKEv1 aggressive mode). The rest is strongSwan's default: send_cert = ifasked,
# send_certreq = yes.
sw_conf_cert() {
	local -A o=([ike]=aes256-sha256-ecp256 [esp]=aes256-sha256 [version]=0 [aggressive]=no)
	local kv k
	for kv in "$@"; do o[${kv%%=*}]=${kv#*=}; done
	for k in local remote local_ts remote_ts cert local_id remote_id; do
		if [ -z "${o[$k]:-}" ]; then
			echo "sw_conf_cert: $k= is required" >&2
			return 1
		fi
	done
	printf '%s\n' \
		'# written by sw_conf_cert' \
		'connections {' \
		'	gw {' \
		"		local_addrs = ${o[local]}" \
		"		remote_addrs = ${o[remote]}" \
		"		proposals = ${o[ike]}" \
		"		version = ${o[version]}" \
		"		aggressive = ${o[aggressive]}" \
		'		mobike = no' \
		'		local {' \
		'			auth = pubkey' \
		"			certs = ${o[cert]}" \
		"			id = ${o[local_id]}" \
		'		}' \
		'		remote {' \
		'			auth = pubkey' \
		"			id = ${o[remote_id]}" \
		'		}' \
		'		children {' \
		'			net {' \
		"				local_ts = ${o[local_ts]}" \
		"				remote_ts = ${o[remote_ts]}" \
		"				esp_proposals = ${o[esp]}" \
		'			}' \
		'		}' \
		'	}' \
		'}'
}
