/* menus: the configuration language as data. Every menu of RouterOS /ip ipsec (and the
 * /ip pool, /radius and /certificate items it refers to), every property with its type,
 * range or choices, and the default RouterOS v7 prints (DESIGN.md §2). Parser, validation,
 * print, export and the man page all read this table; adding a property is one row here
 * and one index in conf_menus.h. Properties v7 dropped come from the v6 and v3 manuals;
 * v6 peer properties that v7 moved to profile and identity carry CONF_F_LEGACY and keep
 * the v7 name wherever it is the same property, so conf_v6.c can move them by name. */
#include <stdbool.h>
#include <string.h>

#include "ipsecd/conf.h"

/* --- choice lists, in the order the manuals give them --- */

static const char *const dh_groups_v7[] = {"modp768",  "modp1024",   "ec2n155",	 "ec2n185",
					   "modp1536", "modp2048",   "modp3072", "modp4096",
					   "modp6144", "modp8192",   "ecp256",	 "ecp384",
					   "ecp521",   "curve25519", NULL};
static const char *const dh_groups_v6[] = {"ec2n155",  "ec2n185",  "modp1024", "modp1536",
					   "modp2048", "modp3072", "modp4096", "modp6144",
					   "modp768",  NULL};
static const char *const pfs_groups[] = {"ec2n155",  "ec2n185",	   "ecp256",   "ecp384",
					 "ecp521",   "modp768",	   "modp1024", "modp1536",
					 "modp2048", "modp3072",   "modp4096", "modp6144",
					 "modp8192", "curve25519", "none",     NULL};
static const char *const weak_groups[] = {"modp768", "modp1024", NULL};

static const char *const ike_enc[] = {"3des",	  "aes-128",	  "aes-192",	  "aes-256",
				      "blowfish", "camellia-128", "camellia-192", "camellia-256",
				      "des",	  "aes-128-gcm",  "aes-192-gcm",  "aes-256-gcm",
				      NULL};
static const char *const weak_ike_enc[] = {"3des", "des", NULL};
static const char *const ike_hash[] = {"md5", "sha1", "sha256", "sha384", "sha512", NULL};
static const char *const weak_hash[] = {"md5", "sha1", NULL};
static const char *const proposal_checks[] = {"claim", "exact", "obey", "strict", NULL};
static const char *const dpd_aliases[] = {"disable-dpd=0s", NULL};

static const char *const esp_auth[] = {"md5", "null", "sha1", "sha256", "sha512", NULL};
static const char *const esp_enc[] = {
	"null",	       "des",	       "3des",	       "aes-128-cbc",  "aes-128-ctr", "aes-128-gcm",
	"aes-192-cbc", "aes-192-ctr",  "aes-192-gcm",  "aes-256-cbc",  "aes-256-ctr", "aes-256-gcm",
	"blowfish",    "camellia-128", "camellia-192", "camellia-256", "twofish",     NULL};
static const char *const weak_esp_enc[] = {"null", "des", "3des", NULL};
static const char *const esp_enc_aliases[] = {"aes-128=aes-128-cbc", "aes-192=aes-192-cbc",
					      "aes-256=aes-256-cbc", NULL};

static const char *const exchange_modes[] = {"aggressive", "base", "main", "ike2", NULL};
static const char *const exchange_aliases[] = {"main-l2tp=main", "l2tp-main=main", NULL};

static const char *const auth_methods_v7[] = {
	"digital-signature",	"eap",	   "eap-radius",	   "pre-shared-key",
	"pre-shared-key-xauth", "rsa-key", "rsa-signature-hybrid", NULL};
static const char *const auth_method_aliases[] = {"rsa-signature=digital-signature", NULL};
static const char *const auth_methods_v6[] = {
	"pre-shared-key",	"rsa-signature",	"rsa-key",
	"pre-shared-key-xauth", "rsa-signature-hybrid", NULL};
/* src/ike/v2/eap.c maps these to EAP types by position: keep the order */
static const char *const eap_methods[] = {"eap-mschapv2", "eap-peap", "eap-tls", "eap-ttls", NULL};
static const char *const generate_policies[] = {"no", "port-override", "port-strict", NULL};
static const char *const generate_aliases[] = {"yes=port-override", NULL};
static const char *const match_by[] = {"remote-id", "certificate", NULL};

static const char *const manual_auth[] = {"md5", "null", "sha1", NULL};
static const char *const manual_enc[] = {"3des", "aes-128", "aes-192", "aes-256",
					 "des",	 "null",    NULL};

static const char *const policy_actions[] = {"discard", "encrypt", "none", NULL};
static const char *const ipsec_protocols[] = {"ah", "esp", NULL};
static const char *const policy_levels[] = {"require", "unique", "use", NULL};
static const char *const dont_fragment[] = {"clear", "inherit", "set", NULL};
static const char *const ph2_states[] = {"expired", "no-phase2", "established", NULL};

static const char *const radius_services[] = {"ppp",  "login", "hotspot", "wireless",
					      "dhcp", "ipsec", "dot1x",	  NULL};
static const char *const key_sizes[] = {"1024", "2048", "4096", NULL};
static const char *const insecure_key_files[] = {"refuse", "warn", NULL};
static const char *const cookies_choices[] = {"auto", "always", "never", NULL}; /* ike.h order */
static const char *const sides[] = {"initiator", "responder", NULL};

/* --- properties that many menus share --- */

/* clang-format off */
#define PROP_NAME(what) {.name = "name", .type = CONF_T_NAME, .help = what}
#define PROP_COMMENT {.name = "comment", .type = CONF_T_STR, .help = "free-text note"}
#define PROP_DISABLED(what) {.name = "disabled", .type = CONF_T_BOOL, .def = "no", .help = what}
#define RO(t, n, h) {.name = n, .type = t, .flags = CONF_F_RO, .help = h}
/* clang-format on */

/* --- /ip pool --- */

static const struct conf_prop pool_props[CONF_POOL_NPROPS] = {
	[CONF_POOL_COMMENT] = PROP_COMMENT,
	[CONF_POOL_NAME] = PROP_NAME("pool name, referred to by mode-config address-pool"),
	[CONF_POOL_NEXT_POOL] = {.name = "next-pool",
				 .type = CONF_T_REF,
				 .def = "none",
				 .ref = CONF_M_POOL,
				 .help = "pool to take addresses from once this one runs out"},
	[CONF_POOL_RANGES] = {.name = "ranges",
			      .type = CONF_T_RANGES,
			      .flags = CONF_F_REQUIRED,
			      .help = "addresses handed out: A-B ranges, addresses or prefixes"},
};

/* --- /certificate --- */

static const struct conf_prop cert_props[CONF_CERT_NPROPS] = {
	[CONF_CERT_FILE_NAME] = {.name = "file-name",
				 .type = CONF_T_FILE,
				 .flags = CONF_F_REQUIRED,
				 .help = "PEM or DER file the certificate (and key) is read from"},
	[CONF_CERT_NAME] = PROP_NAME("certificate name, referred to by identities"),
	[CONF_CERT_PASSPHRASE] = {.name = "passphrase",
				  .type = CONF_T_SECRET,
				  .flags = CONF_F_SECRET | CONF_F_NOEXPORT,
				  .help = "unlocks an encrypted private key at import; not kept"},
	[CONF_CERT_CA] = RO(CONF_T_BOOL, "ca", "whether this is a certificate authority"),
	[CONF_CERT_COMMON_NAME] = RO(CONF_T_STR, "common-name", "CN of the subject"),
	[CONF_CERT_CRL] = RO(CONF_T_BOOL, "crl", "whether a revocation list is loaded for it"),
	[CONF_CERT_EXPIRED] = RO(CONF_T_BOOL, "expired", "whether its validity has ended"),
	[CONF_CERT_EXPIRES_AFTER] = RO(CONF_T_TIME, "expires-after", "time left until notAfter"),
	[CONF_CERT_FINGERPRINT] = RO(CONF_T_STR, "fingerprint", "SHA-256 of the DER encoding"),
	[CONF_CERT_ISSUER] = RO(CONF_T_STR, "issuer", "distinguished name of the signer"),
	[CONF_CERT_PRIVATE_KEY] =
		RO(CONF_T_BOOL, "private-key", "whether the matching private key is loaded"),
	[CONF_CERT_REVOKED] = RO(CONF_T_BOOL, "revoked", "whether a loaded CRL lists it"),
	[CONF_CERT_SUBJECT] = RO(CONF_T_STR, "subject", "distinguished name it was issued to"),
	[CONF_CERT_TRUSTED] = RO(CONF_T_BOOL, "trusted", "whether it may anchor a chain"),
};

/* --- /radius --- */

static const struct conf_prop radius_props[CONF_RADIUS_NPROPS] = {
	[CONF_RADIUS_ACCOUNTING_PORT] = {.name = "accounting-port",
					 .type = CONF_T_INT,
					 .def = "1813",
					 .min = 0,
					 .max = 65535,
					 .help = "UDP port of the server's accounting service"},
	[CONF_RADIUS_ADDRESS] = {.name = "address",
				 .type = CONF_T_ADDR,
				 .help = "IP address of the RADIUS server"},
	[CONF_RADIUS_AUTHENTICATION_PORT] =
		{.name = "authentication-port",
		 .type = CONF_T_INT,
		 .def = "1812",
		 .min = 0,
		 .max = 65535,
		 .help = "UDP port of the server's authentication service"},
	[CONF_RADIUS_COMMENT] = PROP_COMMENT,
	[CONF_RADIUS_DISABLED] = PROP_DISABLED("whether this server is skipped"),
	[CONF_RADIUS_SECRET] = {.name = "secret",
				.type = CONF_T_SECRET,
				.flags = CONF_F_SECRET,
				.help = "shared secret with the RADIUS server"},
	[CONF_RADIUS_SERVICE] =
		{.name = "service",
		 .type = CONF_T_ENUMS,
		 .choices = radius_services,
		 .help = "services that use this server; ipsecd acts on ipsec only"},
	[CONF_RADIUS_SRC_ADDRESS] = {.name = "src-address",
				     .type = CONF_T_ADDR,
				     .help = "local address requests are sent from"},
	[CONF_RADIUS_TIMEOUT] = {.name = "timeout",
				 .type = CONF_T_MSTIME,
				 .def = "300ms",
				 .min = 1,
				 .max = 60000,
				 .help = "time to wait for a reply before retrying (300ms, 2s)"},
};

/* --- /ip ipsec key --- */

static const struct conf_prop key_props[CONF_KEY_NPROPS] = {
	[CONF_KEY_FILE_NAME] = {.name = "file-name",
				.type = CONF_T_FILE,
				.flags = CONF_F_REQUIRED,
				.help = "PEM file the RSA key is read from"},
	[CONF_KEY_NAME] = PROP_NAME("key name, referred to by identity key and remote-key"),
	[CONF_KEY_KEY_SIZE] = {.name = "key-size",
			       .type = CONF_T_ENUM,
			       .flags = CONF_F_RO,
			       .choices = key_sizes,
			       .help = "modulus length in bits"},
	[CONF_KEY_PRIVATE_KEY] = RO(CONF_T_BOOL, "private-key", "whether the private half is held"),
	[CONF_KEY_RSA] = RO(CONF_T_BOOL, "rsa", "whether it is an RSA key"),
};

/* --- /ip ipsec mode-config --- */

static const struct conf_prop modeconf_props[CONF_MODECONF_NPROPS] = {
	[CONF_MODECONF_ADDRESS_POOL] = {.name = "address-pool",
					.type = CONF_T_REF,
					.ref = CONF_M_POOL,
					.help = "pool a responder assigns client addresses from"},
	[CONF_MODECONF_ADDRESS_PREFIX_LENGTH] =
		{.name = "address-prefix-length",
		 .type = CONF_T_INT,
		 .min = 1,
		 .max = 32,
		 .help = "netmask length sent with the assigned address"},
	[CONF_MODECONF_COMMENT] = PROP_COMMENT,
	[CONF_MODECONF_NAME] = PROP_NAME("name, referred to by identity mode-config"),
	[CONF_MODECONF_RESPONDER] = {.name = "responder",
				     .type = CONF_T_BOOL,
				     .def = "no",
				     .help = "yes: hand attributes out (server); no: ask for them"},
	[CONF_MODECONF_SPLIT_INCLUDE] =
		{.name = "split-include",
		 .type = CONF_T_RANGES,
		 .help = "prefixes the client should send through the tunnel"},
	[CONF_MODECONF_SRC_ADDRESS_LIST] =
		{.name = "src-address-list",
		 .type = CONF_T_STR,
		 .help = "address list to source-NAT to the assigned address"},
	[CONF_MODECONF_STATIC_DNS] = {.name = "static-dns",
				      .type = CONF_T_RANGES,
				      .help = "DNS server addresses sent to the client"},
	[CONF_MODECONF_SYSTEM_DNS] = {.name = "system-dns",
				      .type = CONF_T_BOOL,
				      .help = "send the host's own resolvers as DNS servers"},
	[CONF_MODECONF_DEFAULT] = RO(CONF_T_BOOL, "default", "whether this is a built-in entry"),
};

/* --- /ip ipsec policy group --- */

static const struct conf_prop group_props[CONF_GROUP_NPROPS] = {
	[CONF_GROUP_COMMENT] = PROP_COMMENT,
	[CONF_GROUP_NAME] = PROP_NAME("group name, referred to by policy templates"),
};

/* --- /ip ipsec profile --- */

static const struct conf_prop profile_props[CONF_PROFILE_NPROPS] = {
	[CONF_PROFILE_DH_GROUP] = {.name = "dh-group",
				   .type = CONF_T_ENUMS,
				   .flags = CONF_F_WEAK,
				   .def = "modp1024,modp2048",
				   .choices = dh_groups_v7,
				   .weak = weak_groups,
				   .help = "key exchange groups offered for phase 1, in order"},
	[CONF_PROFILE_DPD_INTERVAL] =
		{.name = "dpd-interval",
		 .type = CONF_T_TIME,
		 .def = "2m",
		 .aliases = dpd_aliases,
		 .help = "idle time before a liveness check; disable-dpd = off"},
	[CONF_PROFILE_DPD_MAXIMUM_FAILURES] = {.name = "dpd-maximum-failures",
					       .type = CONF_T_INT,
					       .def = "5",
					       .min = 1,
					       .max = 100,
					       .help = "unanswered checks before the peer is dead"},
	[CONF_PROFILE_ENC_ALGORITHM] = {.name = "enc-algorithm",
					.type = CONF_T_ENUMS,
					.flags = CONF_F_WEAK,
					.def = "aes-128",
					.choices = ike_enc,
					.weak = weak_ike_enc,
					.help = "IKE SA ciphers offered, in order"},
	[CONF_PROFILE_HASH_ALGORITHM] = {.name = "hash-algorithm",
					 .type = CONF_T_ENUM,
					 .flags = CONF_F_WEAK,
					 .def = "sha1",
					 .choices = ike_hash,
					 .weak = weak_hash,
					 .help = "IKE SA integrity and PRF hash"},
	[CONF_PROFILE_LIFEBYTES] = {.name = "lifebytes",
				    .type = CONF_T_INT,
				    .def = "0",
				    .min = 0,
				    .max = 4294967295LL,
				    .help = "phase 1 byte limit put in the proposal; 0 = none"},
	[CONF_PROFILE_LIFETIME] = {.name = "lifetime",
				   .type = CONF_T_TIME,
				   .def = "1d",
				   .help = "how long a phase 1 SA lives before rekey"},
	[CONF_PROFILE_NAME] = PROP_NAME("profile name, referred to by peer profile"),
	[CONF_PROFILE_NAT_TRAVERSAL] =
		{.name = "nat-traversal",
		 .type = CONF_T_BOOL,
		 .def = "yes",
		 .help = "detect NAT and move to UDP-encapsulated ESP on 4500"},
	[CONF_PROFILE_PROPOSAL_CHECK] = {.name = "proposal-check",
					 .type = CONF_T_ENUM,
					 .def = "obey",
					 .choices = proposal_checks,
					 .help = "how a responder treats the initiator's phase 2 "
						 "lifetime"},
};

/* --- /ip ipsec peer --- */

static const struct conf_prop peer_props[CONF_PEER_NPROPS] = {
	[CONF_PEER_ADDRESS] = {.name = "address",
			       .type = CONF_T_PREFIX,
			       .def = "0.0.0.0/0",
			       .help = "remote addresses this peer matches; longest prefix wins"},
	[CONF_PEER_COMMENT] = PROP_COMMENT,
	[CONF_PEER_DISABLED] = PROP_DISABLED("whether this peer is ignored"),
	[CONF_PEER_EXCHANGE_MODE] = {.name = "exchange-mode",
				     .type = CONF_T_ENUM,
				     .def = "main",
				     .choices = exchange_modes,
				     .aliases = exchange_aliases,
				     .help = "IKEv1 phase 1 mode, or ike2 for IKEv2"},
	[CONF_PEER_LOCAL_ADDRESS] = {.name = "local-address",
				     .type = CONF_T_ADDR,
				     .help = "local address IKE binds to for this peer"},
	[CONF_PEER_NAME] = PROP_NAME("peer name, referred to by identities and policies"),
	[CONF_PEER_PASSIVE] = {.name = "passive",
			       .type = CONF_T_BOOL,
			       .def = "no",
			       .help = "only answer, never initiate; also the XAuth server side"},
	[CONF_PEER_PORT] = {.name = "port",
			    .type = CONF_T_INT,
			    .def = "500",
			    .min = 0,
			    .max = 65535,
			    .help = "remote UDP port used when initiating"},
	[CONF_PEER_PROFILE] = {.name = "profile",
			       .type = CONF_T_REF,
			       .def = "default",
			       .ref = CONF_M_PROFILE,
			       .help = "phase 1 parameters to use"},
	[CONF_PEER_SEND_INITIAL_CONTACT] = {.name = "send-initial-contact",
					    .type = CONF_T_BOOL,
					    .def = "yes",
					    .help = "ask the peer to drop its older SAs with us"},

	/* v6: moved to the identity */
	[CONF_PEER_AUTH_METHOD] = {.name = "auth-method",
				   .type = CONF_T_ENUM,
				   .flags = CONF_F_LEGACY,
				   .def = "pre-shared-key",
				   .choices = auth_methods_v6,
				   .help = "v6: how the peers authenticate (now on identity)"},
	[CONF_PEER_CERTIFICATE] = {.name = "certificate",
				   .type = CONF_T_REF,
				   .flags = CONF_F_LEGACY,
				   .ref = CONF_M_CERTIFICATE,
				   .help = "v6: our certificate (now on identity)"},
	/* v6: moved to the profile */
	[CONF_PEER_DH_GROUP] = {.name = "dh-group",
				.type = CONF_T_ENUMS,
				.flags = CONF_F_LEGACY | CONF_F_WEAK,
				.def = "modp1024",
				.choices = dh_groups_v6,
				.weak = weak_groups,
				.help = "v6: phase 1 key exchange groups (now on profile)"},
	[CONF_PEER_DPD_INTERVAL] = {.name = "dpd-interval",
				    .type = CONF_T_TIME,
				    .flags = CONF_F_LEGACY,
				    .def = "2m",
				    .aliases = dpd_aliases,
				    .help = "v6: liveness check interval (now on profile)"},
	[CONF_PEER_DPD_MAXIMUM_FAILURES] =
		{.name = "dpd-maximum-failures",
		 .type = CONF_T_INT,
		 .flags = CONF_F_LEGACY,
		 .def = "5",
		 .min = 1,
		 .max = 100,
		 .help = "v6: checks lost before the peer is dead (now on "
			 "profile)"},
	[CONF_PEER_ENC_ALGORITHM] = {.name = "enc-algorithm",
				     .type = CONF_T_ENUMS,
				     .flags = CONF_F_LEGACY | CONF_F_WEAK,
				     .def = "aes-128",
				     .choices = ike_enc,
				     .weak = weak_ike_enc,
				     .help = "v6: phase 1 ciphers (now on profile)"},
	[CONF_PEER_GENERATE_POLICY] = {.name = "generate-policy",
				       .type = CONF_T_ENUM,
				       .flags = CONF_F_LEGACY,
				       .def = "no",
				       .choices = generate_policies,
				       .aliases = generate_aliases,
				       .help = "v6: create policies the peer asks for (now on "
					       "identity)"},
	[CONF_PEER_HASH_ALGORITHM] = {.name = "hash-algorithm",
				      .type = CONF_T_ENUM,
				      .flags = CONF_F_LEGACY | CONF_F_WEAK,
				      .def = "sha1",
				      .choices = ike_hash,
				      .weak = weak_hash,
				      .help = "v6: phase 1 hash (now on profile)"},
	[CONF_PEER_KEY] = {.name = "key",
			   .type = CONF_T_REF,
			   .flags = CONF_F_LEGACY,
			   .ref = CONF_M_KEY,
			   .help = "v6: our RSA key for rsa-key (now on identity)"},
	[CONF_PEER_LIFEBYTES] = {.name = "lifebytes",
				 .type = CONF_T_INT,
				 .flags = CONF_F_LEGACY,
				 .def = "0",
				 .min = 0,
				 .max = 4294967295LL,
				 .help = "v6: phase 1 byte limit (now on profile)"},
	[CONF_PEER_LIFETIME] = {.name = "lifetime",
				.type = CONF_T_TIME,
				.flags = CONF_F_LEGACY,
				.def = "1d",
				.help = "v6: phase 1 lifetime (now on profile)"},
	[CONF_PEER_MODE_CONFIG] = {.name = "mode-config",
				   .type = CONF_T_REF,
				   .flags = CONF_F_LEGACY,
				   .def = "none",
				   .ref = CONF_M_MODE_CONFIG,
				   .help = "v6: mode-config attributes to use (now on identity)"},
	[CONF_PEER_MY_ID] = {.name = "my-id",
			     .type = CONF_T_ID,
			     .flags = CONF_F_LEGACY,
			     .def = "auto",
			     .help = "v6: identity we send (now on identity)"},
	[CONF_PEER_MY_ID_USER_FQDN] = {.name = "my-id-user-fqdn",
				       .type = CONF_T_STR,
				       .flags = CONF_F_LEGACY,
				       .help = "v6: send this user@domain as our ID (becomes "
					       "identity my-id=user-fqdn:...)"},
	[CONF_PEER_NAT_TRAVERSAL] = {.name = "nat-traversal",
				     .type = CONF_T_BOOL,
				     .flags = CONF_F_LEGACY,
				     .def = "no",
				     .help = "v6: NAT traversal (now on profile)"},
	[CONF_PEER_POLICY_GROUP] = {.name = "policy-group",
				    .type = CONF_T_REF,
				    .flags = CONF_F_LEGACY,
				    .ref = CONF_M_POLICY_GROUP,
				    .help = "v6.0 name of policy-template-group (becomes identity "
					    "policy-template-group)"},
	[CONF_PEER_POLICY_TEMPLATE_GROUP] = {.name = "policy-template-group",
					     .type = CONF_T_REF,
					     .flags = CONF_F_LEGACY,
					     .def = "default",
					     .ref = CONF_M_POLICY_GROUP,
					     .help = "v6: templates generated policies must match "
						     "(now on identity)"},
	[CONF_PEER_PROPOSAL_CHECK] = {.name = "proposal-check",
				      .type = CONF_T_ENUM,
				      .flags = CONF_F_LEGACY,
				      .def = "obey",
				      .choices = proposal_checks,
				      .help = "v6: phase 2 lifetime check (now on profile)"},
	[CONF_PEER_REMOTE_CERTIFICATE] = {.name = "remote-certificate",
					  .type = CONF_T_REF,
					  .flags = CONF_F_LEGACY,
					  .ref = CONF_M_CERTIFICATE,
					  .help = "v6: certificate the peer must present (now on "
						  "identity)"},
	[CONF_PEER_SECRET] = {.name = "secret",
			      .type = CONF_T_KEY,
			      .flags = CONF_F_LEGACY | CONF_F_SECRET,
			      .help = "v6: pre-shared key, 0x for hex (now on identity)"},
	[CONF_PEER_XAUTH_LOGIN] = {.name = "xauth-login",
				   .type = CONF_T_STR,
				   .flags = CONF_F_LEGACY,
				   .help = "v6: XAuth user name (becomes identity username)"},
	[CONF_PEER_XAUTH_PASSWORD] = {.name = "xauth-password",
				      .type = CONF_T_SECRET,
				      .flags = CONF_F_LEGACY | CONF_F_SECRET,
				      .help = "v6: XAuth password (becomes identity password)"},

	[CONF_PEER_DYNAMIC] = RO(CONF_T_BOOL, "dynamic", "whether another service added it"),
	[CONF_PEER_RESPONDER] = RO(CONF_T_BOOL, "responder", "whether it only answers"),
};

/* --- /ip ipsec proposal --- */

static const struct conf_prop proposal_props[CONF_PROPOSAL_NPROPS] = {
	[CONF_PROPOSAL_AUTH_ALGORITHMS] = {.name = "auth-algorithms",
					   .type = CONF_T_ENUMS,
					   .flags = CONF_F_WEAK,
					   .def = "sha1",
					   .choices = esp_auth,
					   .weak = weak_hash,
					   .help = "ESP/AH integrity algorithms offered (null with "
						   "GCM)"},
	[CONF_PROPOSAL_COMMENT] = PROP_COMMENT,
	[CONF_PROPOSAL_DISABLED] = PROP_DISABLED("whether this proposal is ignored"),
	[CONF_PROPOSAL_ENC_ALGORITHMS] = {.name = "enc-algorithms",
					  .type = CONF_T_ENUMS,
					  .flags = CONF_F_WEAK,
					  .def = "aes-256-cbc,aes-192-cbc,aes-128-cbc",
					  .choices = esp_enc,
					  .weak = weak_esp_enc,
					  .aliases = esp_enc_aliases,
					  .help = "ESP ciphers offered, in order"},
	[CONF_PROPOSAL_LIFETIME] = {.name = "lifetime",
				    .type = CONF_T_TIME,
				    .def = "30m",
				    .help = "how long a phase 2 SA lives before rekey"},
	[CONF_PROPOSAL_NAME] = PROP_NAME("proposal name, referred to by policies"),
	[CONF_PROPOSAL_PFS_GROUP] =
		{.name = "pfs-group",
		 .type = CONF_T_ENUM,
		 .flags = CONF_F_WEAK,
		 .def = "modp1024",
		 .choices = pfs_groups,
		 .weak = weak_groups,
		 .help = "group for a fresh key exchange per SA; none = no PFS"},
	[CONF_PROPOSAL_DEFAULT] = RO(CONF_T_BOOL, "default", "whether this is a built-in entry"),
};

/* --- /ip ipsec identity --- */

static const struct conf_prop identity_props[CONF_IDENTITY_NPROPS] = {
	[CONF_IDENTITY_AUTH_METHOD] = {.name = "auth-method",
				       .type = CONF_T_ENUM,
				       .def = "pre-shared-key",
				       .choices = auth_methods_v7,
				       .aliases = auth_method_aliases,
				       .help = "how the two sides prove who they are"},
	[CONF_IDENTITY_CERTIFICATE] =
		{.name = "certificate",
		 .type = CONF_T_REF,
		 .ref = CONF_M_CERTIFICATE,
		 .help = "our certificate, with private key, for signatures or "
			 "EAP-TLS"},
	[CONF_IDENTITY_COMMENT] = PROP_COMMENT,
	[CONF_IDENTITY_DISABLED] = PROP_DISABLED("whether this identity is ignored"),
	[CONF_IDENTITY_EAP_METHODS] = {.name = "eap-methods",
				       .type = CONF_T_ENUMS,
				       .def = "eap-tls",
				       .choices = eap_methods,
				       .help = "EAP methods to try as an IKEv2 client, in order"},
	[CONF_IDENTITY_GENERATE_POLICY] =
		{.name = "generate-policy",
		 .type = CONF_T_ENUM,
		 .def = "no",
		 .choices = generate_policies,
		 .aliases = generate_aliases,
		 .help = "create policies for selectors the peer proposes"},
	[CONF_IDENTITY_KEY] = {.name = "key",
			       .type = CONF_T_REF,
			       .ref = CONF_M_KEY,
			       .help = "our private RSA key for rsa-key"},
	[CONF_IDENTITY_MATCH_BY] = {.name = "match-by",
				    .type = CONF_T_ENUM,
				    .def = "remote-id",
				    .choices = match_by,
				    .help = "check the peer by its ID or by its exact certificate"},
	[CONF_IDENTITY_MODE_CONFIG] = {.name = "mode-config",
				       .type = CONF_T_REF,
				       .def = "none",
				       .ref = CONF_M_MODE_CONFIG,
				       .help = "configuration attributes to request or hand out"},
	[CONF_IDENTITY_MY_ID] = {.name = "my-id",
				 .type = CONF_T_ID,
				 .def = "auto",
				 .help = "ID we send (auto, address:, fqdn:, user-fqdn:, key-id:)"},
	[CONF_IDENTITY_NOTRACK_CHAIN] =
		{.name = "notrack-chain",
		 .type = CONF_T_STR,
		 .help = "raw firewall chain for notrack rules of generated "
			 "policies"},
	[CONF_IDENTITY_PASSWORD] = {.name = "password",
				    .type = CONF_T_SECRET,
				    .flags = CONF_F_SECRET,
				    .help = "XAuth or EAP password"},
	[CONF_IDENTITY_PEER] = {.name = "peer",
				.type = CONF_T_REF,
				.flags = CONF_F_REQUIRED,
				.ref = CONF_M_PEER,
				.help = "peer this identity authenticates"},
	[CONF_IDENTITY_POLICY_TEMPLATE_GROUP] =
		{.name = "policy-template-group",
		 .type = CONF_T_REF,
		 .def = "default",
		 .ref = CONF_M_POLICY_GROUP,
		 .help = "templates that generated policies must match"},
	[CONF_IDENTITY_REMOTE_CERTIFICATE] = {.name = "remote-certificate",
					      .type = CONF_T_REF,
					      .ref = CONF_M_CERTIFICATE,
					      .help = "certificate the peer must present; empty = "
						      "any a CA vouches for"},
	[CONF_IDENTITY_REMOTE_ID] =
		{.name = "remote-id",
		 .type = CONF_T_ID,
		 .def = "auto",
		 .help = "ID expected from the peer (auto, ignore, fqdn:, ...)"},
	[CONF_IDENTITY_REMOTE_KEY] = {.name = "remote-key",
				      .type = CONF_T_REF,
				      .ref = CONF_M_KEY,
				      .help = "the peer's public RSA key for rsa-key"},
	[CONF_IDENTITY_SECRET] = {.name = "secret",
				  .type = CONF_T_KEY,
				  .flags = CONF_F_SECRET,
				  .help = "pre-shared key; a 0x prefix means hex"},
	[CONF_IDENTITY_USERNAME] = {.name = "username",
				    .type = CONF_T_STR,
				    .help = "XAuth or EAP user name"},
	[CONF_IDENTITY_DYNAMIC] = RO(CONF_T_BOOL, "dynamic", "whether another service added it"),
};

/* --- /ip ipsec manual-sa (v6 and older: statically keyed SAs) --- */

static const struct conf_prop manualsa_props[CONF_MANUALSA_NPROPS] = {
	[CONF_MANUALSA_AH_ALGORITHM] = {.name = "ah-algorithm",
					.type = CONF_T_ENUM,
					.flags = CONF_F_WEAK,
					.def = "null",
					.choices = manual_auth,
					.weak = weak_hash,
					.help = "AH integrity algorithm, IN/OUT or one for both"},
	[CONF_MANUALSA_AH_KEY] = {.name = "ah-key",
				  .type = CONF_T_KEY,
				  .flags = CONF_F_SECRET,
				  .help = "AH keys, IN/OUT"},
	[CONF_MANUALSA_AH_SPI] = {.name = "ah-spi",
				  .type = CONF_T_SPI,
				  .def = "0x100",
				  .min = 0x100,
				  .max = 0xFFFFFFFFLL,
				  .help = "AH SPIs, IN/OUT"},
	[CONF_MANUALSA_COMMENT] = PROP_COMMENT,
	[CONF_MANUALSA_DISABLED] = PROP_DISABLED("whether this SA is left out of the kernel"),
	[CONF_MANUALSA_ESP_AUTH_ALGORITHM] =
		{.name = "esp-auth-algorithm",
		 .type = CONF_T_ENUM,
		 .flags = CONF_F_WEAK,
		 .def = "null",
		 .choices = manual_auth,
		 .weak = weak_hash,
		 .help = "ESP integrity algorithm, IN/OUT or one for both"},
	[CONF_MANUALSA_ESP_AUTH_KEY] = {.name = "esp-auth-key",
					.type = CONF_T_KEY,
					.flags = CONF_F_SECRET,
					.help = "ESP integrity keys, IN/OUT"},
	[CONF_MANUALSA_ESP_ENC_ALGORITHM] = {.name = "esp-enc-algorithm",
					     .type = CONF_T_ENUM,
					     .flags = CONF_F_WEAK,
					     .def = "null",
					     .choices = manual_enc,
					     .weak = weak_ike_enc,
					     .help = "ESP cipher, IN/OUT or one for both"},
	[CONF_MANUALSA_ESP_ENC_KEY] = {.name = "esp-enc-key",
				       .type = CONF_T_KEY,
				       .flags = CONF_F_SECRET,
				       .help = "ESP cipher keys, IN/OUT"},
	[CONF_MANUALSA_ESP_SPI] = {.name = "esp-spi",
				   .type = CONF_T_SPI,
				   .def = "0x100",
				   .min = 0x100,
				   .max = 0xFFFFFFFFLL,
				   .help = "ESP SPIs, IN/OUT"},
	[CONF_MANUALSA_LIFETIME] = {.name = "lifetime",
				    .type = CONF_T_TIME,
				    .def = "0s",
				    .help = "how long the SA is kept; 0s = forever"},
	[CONF_MANUALSA_NAME] = PROP_NAME("SA name, referred to by policy manual-sa"),
};

/* --- /ip ipsec policy --- */

static const struct conf_prop policy_props[CONF_POLICY_NPROPS] = {
	[CONF_POLICY_ACTION] = {.name = "action",
				.type = CONF_T_ENUM,
				.def = "encrypt",
				.choices = policy_actions,
				.help = "what matching packets get: encrypt, pass (none) or drop"},
	[CONF_POLICY_COMMENT] = PROP_COMMENT,
	[CONF_POLICY_DISABLED] = PROP_DISABLED("whether this policy is left out of the kernel"),
	[CONF_POLICY_DST_ADDRESS] = {.name = "dst-address",
				     .type = CONF_T_PREFIX,
				     .def = "0.0.0.0/32",
				     .help = "destination prefix of protected traffic"},
	[CONF_POLICY_DST_PORT] = {.name = "dst-port",
				  .type = CONF_T_PORT,
				  .def = "any",
				  .help = "destination port of protected traffic"},
	[CONF_POLICY_GROUP] = {.name = "group",
			       .type = CONF_T_REF,
			       .def = "default",
			       .ref = CONF_M_POLICY_GROUP,
			       .help = "policy group a template belongs to"},
	[CONF_POLICY_IPSEC_PROTOCOLS] = {.name = "ipsec-protocols",
					 .type = CONF_T_ENUMS,
					 .def = "esp",
					 .choices = ipsec_protocols,
					 .help = "AH, ESP or both applied to matching traffic"},
	[CONF_POLICY_LEVEL] =
		{.name = "level",
		 .type = CONF_T_ENUM,
		 .def = "require",
		 .choices = policy_levels,
		 .help = "without an SA: drop (require), own SA (unique), pass (use)"},
	[CONF_POLICY_MANUAL_SA] = {.name = "manual-sa",
				   .type = CONF_T_REF,
				   .def = "none",
				   .ref = CONF_M_MANUAL_SA,
				   .help = "v6: statically keyed SA to use instead of IKE"},
	[CONF_POLICY_PEER] = {.name = "peer",
			      .type = CONF_T_REF,
			      .ref = CONF_M_PEER,
			      .help = "peer that negotiates SAs for this policy"},
	[CONF_POLICY_PRIORITY] = {.name = "priority",
				  .type = CONF_T_INT,
				  .def = "0",
				  .min = -2147483646LL,
				  .max = 2147483647LL,
				  .help = "v6: higher goes first; v7 uses the list order instead"},
	[CONF_POLICY_PROPOSAL] = {.name = "proposal",
				  .type = CONF_T_REF,
				  .def = "default",
				  .ref = CONF_M_PROPOSAL,
				  .help = "phase 2 algorithms to negotiate"},
	[CONF_POLICY_PROTOCOL] = {.name = "protocol",
				  .type = CONF_T_PROTO,
				  .def = "all",
				  .help = "IP protocol of protected traffic"},
	[CONF_POLICY_SA_DST_ADDRESS] =
		{.name = "sa-dst-address",
		 .type = CONF_T_ADDR,
		 .def = "::",
		 .help = "remote tunnel endpoint (set in v6; from the peer in "
			 "v7)"},
	[CONF_POLICY_SA_SRC_ADDRESS] =
		{.name = "sa-src-address",
		 .type = CONF_T_ADDR,
		 .def = "::",
		 .help = "local tunnel endpoint (set in v6; from the peer in v7)"},
	[CONF_POLICY_SRC_ADDRESS] = {.name = "src-address",
				     .type = CONF_T_PREFIX,
				     .def = "0.0.0.0/32",
				     .help = "source prefix of protected traffic"},
	[CONF_POLICY_SRC_PORT] = {.name = "src-port",
				  .type = CONF_T_PORT,
				  .def = "any",
				  .help = "source port of protected traffic"},
	[CONF_POLICY_TEMPLATE] = {.name = "template",
				  .type = CONF_T_BOOL,
				  .def = "no",
				  .help = "a pattern for generated policies, not a kernel policy"},
	[CONF_POLICY_TUNNEL] = {.name = "tunnel",
				.type = CONF_T_BOOL,
				.def = "no",
				.help = "tunnel mode (yes) or transport mode (no)"},
	[CONF_POLICY_DONT_FRAGMENT] =
		{.name = "dont-fragment",
		 .type = CONF_T_ENUM,
		 .flags = CONF_F_LEGACY,
		 .def = "clear",
		 .choices = dont_fragment,
		 .help = "v3: DF bit of the outer header; accepted and dropped"},

	[CONF_POLICY_ACTIVE] = RO(CONF_T_BOOL, "active", "whether it is installed and in use"),
	[CONF_POLICY_DEFAULT] = RO(CONF_T_BOOL, "default", "whether this is a built-in entry"),
	[CONF_POLICY_DYNAMIC] = RO(CONF_T_BOOL, "dynamic", "whether it was generated"),
	[CONF_POLICY_IN_ACCEPTED] = RO(CONF_T_INT, "in-accepted", "inbound packets let through"),
	[CONF_POLICY_IN_DROPPED] = RO(CONF_T_INT, "in-dropped", "inbound packets dropped"),
	[CONF_POLICY_IN_TRANSFORMED] =
		RO(CONF_T_INT, "in-transformed", "inbound packets decrypted or verified"),
	[CONF_POLICY_INVALID] = RO(CONF_T_BOOL, "invalid", "whether it clashes with another"),
	[CONF_POLICY_OUT_ACCEPTED] = RO(CONF_T_INT, "out-accepted", "outbound packets let through"),
	[CONF_POLICY_OUT_DROPPED] = RO(CONF_T_INT, "out-dropped", "outbound packets dropped"),
	[CONF_POLICY_OUT_TRANSFORMED] =
		RO(CONF_T_INT, "out-transformed", "outbound packets encrypted or signed"),
	[CONF_POLICY_PH2_COUNT] = RO(CONF_T_INT, "ph2-count", "phase 2 SAs now serving it"),
	[CONF_POLICY_PH2_STATE] = {.name = "ph2-state",
				   .type = CONF_T_ENUM,
				   .flags = CONF_F_RO,
				   .choices = ph2_states,
				   .help = "where its key negotiation stands"},
};

/* --- /ip ipsec user --- */

static const struct conf_prop user_props[CONF_USER_NPROPS] = {
	[CONF_USER_ADDRESS] = {.name = "address",
			       .type = CONF_T_ADDR,
			       .help = "address given to this user by mode-config"},
	[CONF_USER_COMMENT] = PROP_COMMENT,
	[CONF_USER_DISABLED] = PROP_DISABLED("whether this user may not log in"),
	[CONF_USER_NAME] = PROP_NAME("XAuth user name"),
	[CONF_USER_PASSWORD] = {.name = "password",
				.type = CONF_T_SECRET,
				.flags = CONF_F_SECRET,
				.help = "XAuth password"},
};

/* --- /ip ipsec settings --- */

static const struct conf_prop settings_props[CONF_SETTINGS_NPROPS] = {
	[CONF_SETTINGS_ACCOUNTING] =
		{.name = "accounting",
		 .type = CONF_T_BOOL,
		 .help = "send RADIUS accounting for EAP-RADIUS and XAuth users"},
	[CONF_SETTINGS_COOKIE_THRESHOLD] =
		{.name = "cookie-threshold",
		 .type = CONF_T_INT,
		 .def = "32",
		 .min = 0,
		 .max = 10000000,
		 .help = "with cookies=auto, half-open IKE SAs from which "
			 "initiators are asked for a cookie (ipsecd)"},
	[CONF_SETTINGS_COOKIES] =
		{.name = "cookies",
		 .type = CONF_T_ENUM,
		 .def = "auto",
		 .choices = cookies_choices,
		 .help = "ask IKE initiators for a cookie (RFC 7296 2.6): from "
			 "cookie-threshold half-open SAs on, always, or never (ipsecd)"},
	[CONF_SETTINGS_HALF_OPEN_LIMIT] =
		{.name = "half-open-limit",
		 .type = CONF_T_INT,
		 .def = "20000",
		 .min = 0,
		 .max = 10000000,
		 .help = "half-open IKE SAs in all; requests beyond are dropped "
			 "(0: no limit; ipsecd)"},
	[CONF_SETTINGS_HALF_OPEN_PER_ADDRESS] =
		{.name = "half-open-per-address",
		 .type = CONF_T_INT,
		 .def = "20",
		 .min = 0,
		 .max = 10000000,
		 .help = "half-open IKE SAs from one IP address; requests beyond are dropped "
			 "(0: no limit; ipsecd)"},
	[CONF_SETTINGS_HALF_OPEN_TIMEOUT] =
		{.name = "half-open-timeout",
		 .type = CONF_T_TIME,
		 .def = "30s",
		 .min = 1,
		 .max = 3600,
		 .help = "how long a half-open IKE SA waits for IKE_AUTH "
			 "(ipsecd)"},
	[CONF_SETTINGS_IKE_FRAGMENT_SIZE] =
		{.name = "ike-fragment-size",
		 .type = CONF_T_INT,
		 .def = "1280",
		 .min = 0,
		 .max = 65535,
		 .help = "IKE messages larger than datagrams of this many "
			 "bytes go in fragments (RFC 7383; IKEv1: Cisco's); 0: "
			 "never, else "
			 "576 or more (ipsecd)"},
	[CONF_SETTINGS_INSECURE_KEY_FILES] = {.name = "insecure-key-files",
					      .type = CONF_T_ENUM,
					      .def = "refuse",
					      .choices = insecure_key_files,
					      .help = "a private key file group or others may "
						      "read: refuse it, or warn and load it"},
	[CONF_SETTINGS_INTERIM_UPDATE] = {.name = "interim-update",
					  .type = CONF_T_TIME,
					  .help = "period of RADIUS interim accounting updates"},
	[CONF_SETTINGS_XAUTH_USE_RADIUS] = {.name = "xauth-use-radius",
					    .type = CONF_T_BOOL,
					    .help = "check XAuth logins against RADIUS"},
};

/* --- /ip ipsec installed-sa --- */

static const struct conf_prop isa_props[CONF_ISA_NPROPS] = {
	[CONF_ISA_AH] = RO(CONF_T_BOOL, "AH", "whether it is an AH SA"),
	[CONF_ISA_ESP] = RO(CONF_T_BOOL, "ESP", "whether it is an ESP SA"),
	[CONF_ISA_ADD_LIFETIME] =
		RO(CONF_T_STR, "add-lifetime", "soft/hard lifetime counted from installation"),
	[CONF_ISA_ADDTIME] = RO(CONF_T_STR, "addtime", "when it was installed"),
	[CONF_ISA_AUTH_ALGORITHM] = RO(CONF_T_STR, "auth-algorithm", "integrity algorithm"),
	[CONF_ISA_AUTH_KEY] = {.name = "auth-key",
			       .type = CONF_T_KEY,
			       .flags = CONF_F_RO | CONF_F_SECRET,
			       .help = "integrity key in hex"},
	[CONF_ISA_CURRENT_BYTES] = RO(CONF_T_INT, "current-bytes", "bytes processed so far"),
	[CONF_ISA_DST_ADDRESS] = RO(CONF_T_ADDR, "dst-address", "destination endpoint"),
	[CONF_ISA_ENC_ALGORITHM] = RO(CONF_T_STR, "enc-algorithm", "cipher"),
	[CONF_ISA_ENC_KEY] = {.name = "enc-key",
			      .type = CONF_T_KEY,
			      .flags = CONF_F_RO | CONF_F_SECRET,
			      .help = "cipher key in hex"},
	[CONF_ISA_ENC_KEY_SIZE] = RO(CONF_T_INT, "enc-key-size", "cipher key length in bits"),
	[CONF_ISA_EXPIRES_IN] = RO(CONF_T_TIME, "expires-in", "time left until rekey"),
	[CONF_ISA_HW_AEAD] = RO(CONF_T_BOOL, "hw-aead", "whether hardware does its crypto"),
	[CONF_ISA_LIFEBYTES] = RO(CONF_T_STR, "lifebytes", "soft/hard byte limits"),
	[CONF_ISA_PFS] = RO(CONF_T_BOOL, "pfs", "whether it was keyed with PFS"),
	[CONF_ISA_REPLAY] = RO(CONF_T_INT, "replay", "replay window size"),
	[CONF_ISA_SPI] = RO(CONF_T_STR, "spi", "SPI in hex"),
	[CONF_ISA_SRC_ADDRESS] = RO(CONF_T_ADDR, "src-address", "source endpoint"),
	[CONF_ISA_STATE] = RO(CONF_T_STR, "state", "life stage: larval, mature, dying or dead"),
	[CONF_ISA_USE_LIFETIME] =
		RO(CONF_T_STR, "use-lifetime", "soft/hard lifetime counted from first use"),
	[CONF_ISA_USETIME] = RO(CONF_T_STR, "usetime", "when it first carried a packet"),
};

/* --- /ip ipsec active-peers --- */

static const struct conf_prop apeer_props[CONF_APEER_NPROPS] = {
	[CONF_APEER_CERTIFICATE_SUBJECT] =
		RO(CONF_T_STR, "certificate-subject",
		   "subject of the certificate the peer authenticated with"),
	[CONF_APEER_DYNAMIC_ADDRESS] =
		RO(CONF_T_ADDR, "dynamic-address", "address assigned by mode-config"),
	[CONF_APEER_EAP_IDENTITY] = RO(CONF_T_STR, "eap-identity",
				       "the EAP user a RADIUS server authenticated (eap-radius)"),
	[CONF_APEER_LAST_SEEN] = RO(CONF_T_TIME, "last-seen", "time since its last message"),
	[CONF_APEER_LOCAL_ADDRESS] = RO(CONF_T_ADDR, "local-address", "our end of the IKE SA"),
	[CONF_APEER_NATT_PEER] = RO(CONF_T_BOOL, "natt-peer", "whether NAT traversal is on"),
	[CONF_APEER_PH2_TOTAL] = RO(CONF_T_INT, "ph2-total", "phase 2 SAs under this IKE SA"),
	[CONF_APEER_REMOTE_ADDRESS] = RO(CONF_T_ADDR, "remote-address", "the peer's address"),
	[CONF_APEER_REMOTE_ID] = RO(CONF_T_STR, "remote-id", "the ID the peer authenticated as"),
	[CONF_APEER_RESPONDER] = RO(CONF_T_BOOL, "responder", "whether the peer initiated"),
	[CONF_APEER_RX_BYTES] = RO(CONF_T_INT, "rx-bytes", "bytes received from it"),
	[CONF_APEER_RX_PACKETS] = RO(CONF_T_INT, "rx-packets", "packets received from it"),
	[CONF_APEER_SIDE] = {.name = "side",
			     .type = CONF_T_ENUM,
			     .flags = CONF_F_RO,
			     .choices = sides,
			     .help = "which end started phase 1"},
	[CONF_APEER_STATE] = RO(CONF_T_STR, "state", "phase 1 state, e.g. established"),
	[CONF_APEER_TX_BYTES] = RO(CONF_T_INT, "tx-bytes", "bytes sent to it"),
	[CONF_APEER_TX_PACKETS] = RO(CONF_T_INT, "tx-packets", "packets sent to it"),
	[CONF_APEER_UPTIME] = RO(CONF_T_TIME, "uptime", "time since phase 1 was established"),
	[CONF_APEER_XAUTH_USER] = RO(CONF_T_STR, "xauth-user",
				     "the user who passed XAuth (IKEv1 pre-shared-key-xauth)"),
};

/* --- /ip ipsec statistics --- */

static const struct conf_prop stats_props[CONF_STATS_NPROPS] = {
	[CONF_STATS_IN_ERRORS] = RO(CONF_T_INT, "in-errors", "inbound errors counted nowhere else"),
	[CONF_STATS_IN_BUFFER_ERRORS] = RO(CONF_T_INT, "in-buffer-errors", "out of buffers"),
	[CONF_STATS_IN_HEADER_ERRORS] = RO(CONF_T_INT, "in-header-errors", "malformed headers"),
	[CONF_STATS_IN_NO_STATES] =
		RO(CONF_T_INT, "in-no-states", "no SA for the SPI, address or protocol"),
	[CONF_STATS_IN_STATE_PROTOCOL_ERRORS] =
		RO(CONF_T_INT, "in-state-protocol-errors", "ESP/AH processing failed (bad key?)"),
	[CONF_STATS_IN_STATE_MODE_ERRORS] =
		RO(CONF_T_INT, "in-state-mode-errors", "tunnel/transport mode processing failed"),
	[CONF_STATS_IN_STATE_SEQUENCE_ERRORS] =
		RO(CONF_T_INT, "in-state-sequence-errors", "sequence number outside the window"),
	[CONF_STATS_IN_STATE_EXPIRED] = RO(CONF_T_INT, "in-state-expired", "SA had expired"),
	[CONF_STATS_IN_STATE_MISMATCHES] =
		RO(CONF_T_INT, "in-state-mismatches", "SA option mismatch, e.g. encapsulation"),
	[CONF_STATS_IN_STATE_INVALID] = RO(CONF_T_INT, "in-state-invalid", "SA was not usable"),
	[CONF_STATS_IN_TEMPLATE_MISMATCHES] =
		RO(CONF_T_INT, "in-template-mismatches", "SA fine but no policy template fits"),
	[CONF_STATS_IN_NO_POLICIES] = RO(CONF_T_INT, "in-no-policies", "SA fine but no policy"),
	[CONF_STATS_IN_POLICY_BLOCKED] =
		RO(CONF_T_INT, "in-policy-blocked", "dropped by a discard policy"),
	[CONF_STATS_IN_POLICY_ERRORS] = RO(CONF_T_INT, "in-policy-errors", "policy failures"),
	[CONF_STATS_OUT_ERRORS] =
		RO(CONF_T_INT, "out-errors", "outbound errors counted nowhere else"),
	[CONF_STATS_OUT_BUNDLE_ERRORS] =
		RO(CONF_T_INT, "out-bundle-errors", "could not build the SA bundle"),
	[CONF_STATS_OUT_BUNDLE_CHECK_ERRORS] =
		RO(CONF_T_INT, "out-bundle-check-errors", "SA bundle failed its check"),
	[CONF_STATS_OUT_NO_STATES] = RO(CONF_T_INT, "out-no-states", "no SA to send with"),
	[CONF_STATS_OUT_STATE_PROTOCOL_ERRORS] =
		RO(CONF_T_INT, "out-state-protocol-errors", "ESP/AH processing failed"),
	[CONF_STATS_OUT_STATE_MODE_ERRORS] =
		RO(CONF_T_INT, "out-state-mode-errors", "tunnel/transport mode processing failed"),
	[CONF_STATS_OUT_STATE_SEQUENCE_ERRORS] =
		RO(CONF_T_INT, "out-state-sequence-errors", "sequence number ran out"),
	[CONF_STATS_OUT_STATE_EXPIRED] = RO(CONF_T_INT, "out-state-expired", "SA had expired"),
	[CONF_STATS_OUT_POLICY_BLOCKED] =
		RO(CONF_T_INT, "out-policy-blocked", "dropped by a discard policy"),
	[CONF_STATS_OUT_POLICY_DEAD] = RO(CONF_T_INT, "out-policy-dead", "policy was dead"),
	[CONF_STATS_OUT_POLICY_ERRORS] = RO(CONF_T_INT, "out-policy-errors", "policy failures"),
	[CONF_STATS_IKE_HALF_OPEN] =
		RO(CONF_T_INT, "ike-half-open", "IKE SAs waiting for IKE_AUTH (responder)"),
	[CONF_STATS_IKE_HALF_OPEN_PEAK] =
		RO(CONF_T_INT, "ike-half-open-peak", "the most ever at once"),
	[CONF_STATS_IKE_INIT_DROPPED_LIMIT] =
		RO(CONF_T_INT, "ike-init-dropped-limit", "IKE_SA_INIT dropped: half-open-limit"),
	[CONF_STATS_IKE_INIT_DROPPED_ADDRESS] = RO(CONF_T_INT, "ike-init-dropped-address",
						   "IKE_SA_INIT dropped: half-open-per-address"),
	[CONF_STATS_IKE_MALFORMED] = RO(CONF_T_INT, "ike-malformed", "IKE messages malformed"),
	[CONF_STATS_IKE_DROPPED] = RO(CONF_T_INT, "ike-dropped",
				      "IKE messages dropped (unknown SA, unexpected, failed ICV)"),
	[CONF_STATS_IKE_RETRANSMITS] = RO(CONF_T_INT, "ike-retransmits", "IKE requests sent again"),
	[CONF_STATS_IKE_ESTABLISHED] = RO(CONF_T_INT, "ike-established", "IKE SAs established"),
	[CONF_STATS_IKE_FAILED] = RO(CONF_T_INT, "ike-failed", "negotiations that failed"),
};

/* --- /ip pool used --- */

static const struct conf_prop pused_props[CONF_PUSED_NPROPS] = {
	[CONF_PUSED_ADDRESS] = RO(CONF_T_ADDR, "address", "the address leased"),
	[CONF_PUSED_INFO] = RO(CONF_T_STR, "info",
			       "active (an IKE SA has it) or kept (held for its owner's return)"),
	[CONF_PUSED_OWNER] = RO(CONF_T_STR, "owner", "the ID of the client it is leased to"),
	[CONF_PUSED_POOL] = RO(CONF_T_STR, "pool", "the pool it came from"),
};

/* --- built-in entries: exist without being written; can be set, not removed --- */

static const char *const no_overrides[] = {NULL};
static const char *const request_only_props[] = {"responder=no", NULL};

static const struct conf_builtin proposal_builtins[] = {{"default", no_overrides}, {NULL, NULL}};
static const struct conf_builtin profile_builtins[] = {{"default", no_overrides}, {NULL, NULL}};
static const struct conf_builtin group_builtins[] = {{"default", no_overrides}, {NULL, NULL}};
static const struct conf_builtin modeconf_builtins[] = {{"request-only", request_only_props},
							{NULL, NULL}};

/* --- the menus, in export order --- */

#define PROPS(a) .props = a, .nprops = sizeof(a) / sizeof((a)[0])

const struct conf_menu conf_menus[CONF_M_COUNT] = {
	[CONF_M_POOL] = {.id = CONF_M_POOL,
			 .path = "ip pool",
			 PROPS(pool_props),
			 .name_prop = CONF_POOL_NAME,
			 .help = "address pools that mode-config hands addresses out from"},
	[CONF_M_CERTIFICATE] = {.id = CONF_M_CERTIFICATE,
				.path = "certificate",
				.flags = CONF_MF_IMPORT,
				PROPS(cert_props),
				.name_prop = CONF_CERT_NAME,
				.help = "X.509 certificates, CA certificates and CRLs, from files"},
	[CONF_M_RADIUS] = {.id = CONF_M_RADIUS,
			   .path = "radius",
			   PROPS(radius_props),
			   .name_prop = -1,
			   .help = "RADIUS servers for EAP pass-through, XAuth and accounting"},
	[CONF_M_KEY] = {.id = CONF_M_KEY,
			.path = "ip ipsec key",
			.flags = CONF_MF_IMPORT,
			PROPS(key_props),
			.name_prop = CONF_KEY_NAME,
			.help = "raw RSA keys for the rsa-key authentication method"},
	[CONF_M_MODE_CONFIG] = {.id = CONF_M_MODE_CONFIG,
				.path = "ip ipsec mode-config",
				PROPS(modeconf_props),
				.name_prop = CONF_MODECONF_NAME,
				.builtins = modeconf_builtins,
				.help = "configuration attributes (address, DNS, split networks)"},
	[CONF_M_POLICY_GROUP] = {.id = CONF_M_POLICY_GROUP,
				 .path = "ip ipsec policy group",
				 PROPS(group_props),
				 .name_prop = CONF_GROUP_NAME,
				 .builtins = group_builtins,
				 .help = "groups of policy templates"},
	[CONF_M_PROFILE] = {.id = CONF_M_PROFILE,
			    .path = "ip ipsec profile",
			    PROPS(profile_props),
			    .name_prop = CONF_PROFILE_NAME,
			    .builtins = profile_builtins,
			    .help = "phase 1 (IKE SA) parameters shared by peers"},
	[CONF_M_PEER] = {.id = CONF_M_PEER,
			 .path = "ip ipsec peer",
			 PROPS(peer_props),
			 .name_prop = CONF_PEER_NAME,
			 .help = "remote IKE daemons: where they are and how to reach them"},
	[CONF_M_PROPOSAL] = {.id = CONF_M_PROPOSAL,
			     .path = "ip ipsec proposal",
			     PROPS(proposal_props),
			     .name_prop = CONF_PROPOSAL_NAME,
			     .builtins = proposal_builtins,
			     .help = "phase 2 (ESP/AH SA) algorithm sets"},
	[CONF_M_IDENTITY] = {.id = CONF_M_IDENTITY,
			     .path = "ip ipsec identity",
			     PROPS(identity_props),
			     .name_prop = -1,
			     .help = "how each peer is authenticated"},
	[CONF_M_MANUAL_SA] = {.id = CONF_M_MANUAL_SA,
			      .path = "ip ipsec manual-sa",
			      PROPS(manualsa_props),
			      .name_prop = CONF_MANUALSA_NAME,
			      .help = "statically keyed SAs for policies (v6)"},
	[CONF_M_POLICY] = {.id = CONF_M_POLICY,
			   .path = "ip ipsec policy",
			   .flags = CONF_MF_ORDERED,
			   PROPS(policy_props),
			   .name_prop = -1,
			   .help = "which traffic is protected, first match wins"},
	[CONF_M_USER] = {.id = CONF_M_USER,
			 .path = "ip ipsec user",
			 PROPS(user_props),
			 .name_prop = CONF_USER_NAME,
			 .help = "local XAuth users"},
	[CONF_M_SETTINGS] = {.id = CONF_M_SETTINGS,
			     .path = "ip ipsec settings",
			     .flags = CONF_MF_SINGLETON,
			     PROPS(settings_props),
			     .name_prop = -1,
			     .help = "global RADIUS use, and how key files are checked"},
	[CONF_M_INSTALLED_SA] = {.id = CONF_M_INSTALLED_SA,
				 .path = "ip ipsec installed-sa",
				 .flags = CONF_MF_RUNTIME,
				 PROPS(isa_props),
				 .name_prop = -1,
				 .help = "SAs in the kernel, with their keys",
				 .columns = "spi src-address dst-address state auth-algorithm "
					    "enc-algorithm enc-key-size current-bytes"},
	[CONF_M_ACTIVE_PEERS] = {.id = CONF_M_ACTIVE_PEERS,
				 .path = "ip ipsec active-peers",
				 .alias = "ip ipsec remote-peers",
				 .flags = CONF_MF_RUNTIME,
				 PROPS(apeer_props),
				 .name_prop = -1,
				 .help = "peers with an established or pending IKE SA",
				 .columns = "state side remote-address local-address natt-peer "
					    "ph2-total uptime last-seen"},
	[CONF_M_STATISTICS] = {.id = CONF_M_STATISTICS,
			       .path = "ip ipsec statistics",
			       .flags = CONF_MF_RUNTIME,
			       PROPS(stats_props),
			       .name_prop = -1,
			       .help = "kernel IPsec error counters, and the IKE engine's"},
	[CONF_M_POOL_USED] = {.id = CONF_M_POOL_USED,
			      .path = "ip pool used",
			      .flags = CONF_MF_RUNTIME,
			      PROPS(pused_props),
			      .name_prop = -1,
			      .help = "addresses of the pools leased to mode-config clients",
			      .columns = "pool address owner info"},
};

/* --- the verbs, and the arguments each takes besides the menu's properties --- */

static const char *const sa_types[] = {"ah", "esp", "all", NULL};
/* print stats is the policy menu's only (ctl_exec.c says so too). */
static const char *const print_words[] = {"detail", "terse", "show-sensitive",
					  "where",  "stats", NULL};
static const char *const export_words[] = {"show-sensitive", NULL};

static const struct conf_prop print_args[] = {
	{.name = "interval",
	 .type = CONF_T_TIME,
	 .min = 1,
	 .max = 3600,
	 .help = "ipsecctl prints again every interval, in place, until Ctrl-C or q"},
};
static const struct conf_prop export_args[] = {
	{.name = "file", .type = CONF_T_FILE, .help = "ipsecctl writes the export there"},
};
static const struct conf_prop flush_args[] = {
	{.name = "sa-type",
	 .type = CONF_T_ENUM,
	 .def = "all",
	 .choices = sa_types,
	 .help = "which SAs ipsecd installed to remove"},
};
static const struct conf_prop kill_args[] = {
	{.name = "address", .type = CONF_T_ADDR, .help = "the peer's address"},
	{.name = "dynamic-address", .type = CONF_T_ADDR, .help = "the address mode-config gave"},
	{.name = "id", .type = CONF_T_STR, .help = "the ID the peer authenticated as"},
	{.name = "port", .type = CONF_T_PORT, .help = "the peer's port"},
};
static const struct conf_prop genkey_args[] = {
	{.name = "key-size",
	 .type = CONF_T_ENUM,
	 .def = "2048",
	 .choices = key_sizes,
	 .help = "modulus length in bits"},
	{.name = "name", .type = CONF_T_NAME, .help = "the new key's name (and file's)"},
};
static const struct conf_prop pubkey_args[] = {
	{.name = "file-name", .type = CONF_T_FILE, .help = "ipsecctl writes the PEM there"},
	{.name = "key", .type = CONF_T_REF, .ref = CONF_M_KEY, .help = "the key"},
};

static const enum conf_menu_id isa_only[] = {CONF_M_INSTALLED_SA, CONF_M_COUNT};
static const enum conf_menu_id apeers_only[] = {CONF_M_ACTIVE_PEERS, CONF_M_COUNT};
static const enum conf_menu_id key_only[] = {CONF_M_KEY, CONF_M_COUNT};
static const enum conf_menu_id policy_only[] = {CONF_M_POLICY, CONF_M_COUNT};

#define ARGS(a) .args = a, .nargs = sizeof(a) / sizeof((a)[0])

const struct conf_verb conf_verbs[] = {
	{.name = "add", .flags = CONF_VF_PROPS, .scope = CONF_VS_ITEMS, .help = "add an item"},
	{.name = "set",
	 .flags = CONF_VF_PROPS | CONF_VF_SELECT,
	 .scope = CONF_VS_CONFIG,
	 .help = "change properties of items"},
	{.name = "remove",
	 .flags = CONF_VF_SELECT,
	 .scope = CONF_VS_ITEMS,
	 .menus = apeers_only,
	 .help = "remove items (active-peers: delete IKE SAs)"},
	{.name = "enable",
	 .flags = CONF_VF_SELECT,
	 .scope = CONF_VS_DISABLE,
	 .help = "set disabled=no"},
	{.name = "disable",
	 .flags = CONF_VF_SELECT,
	 .scope = CONF_VS_DISABLE,
	 .help = "set disabled=yes"},
	{.name = "import",
	 .flags = CONF_VF_PROPS,
	 .scope = CONF_VS_IMPORT,
	 .help = "add an item read from a file"},
	{.name = "print",
	 .flags = CONF_VF_RUNTIME | CONF_VF_WHERE | CONF_VF_CLIENT_ARGS,
	 .scope = CONF_VS_ANY,
	 .words = print_words,
	 ARGS(print_args),
	 .help = "list the items"},
	{.name = "export",
	 .flags = CONF_VF_RUNTIME | CONF_VF_TOP | CONF_VF_CLIENT_ARGS,
	 .scope = CONF_VS_CONFIG,
	 .words = export_words,
	 ARGS(export_args),
	 .help = "the running configuration in the file's language"},
	{.name = "flush",
	 .flags = CONF_VF_RUNTIME,
	 .scope = CONF_VS_LISTED,
	 .menus = isa_only,
	 ARGS(flush_args),
	 .help = "remove the SAs ipsecd installed"},
	{.name = "kill-connections",
	 .flags = CONF_VF_RUNTIME,
	 .scope = CONF_VS_LISTED,
	 .menus = apeers_only,
	 ARGS(kill_args),
	 .help = "delete the IKE SAs that match"},
	{.name = "generate-key",
	 .flags = CONF_VF_RUNTIME,
	 .scope = CONF_VS_LISTED,
	 .menus = key_only,
	 ARGS(genkey_args),
	 .help = "make a new RSA key"},
	{.name = "export-pub-key",
	 .flags = CONF_VF_RUNTIME | CONF_VF_CLIENT_ARGS,
	 .scope = CONF_VS_LISTED,
	 .menus = key_only,
	 ARGS(pubkey_args),
	 .help = "the public half of a key, as PEM"},
	{.name = "dump-kernel-policies",
	 .flags = CONF_VF_RUNTIME,
	 .scope = CONF_VS_LISTED,
	 .menus = policy_only,
	 .help = "every policy in the kernel, one line each"},
	{.name = NULL},
};

const struct conf_verb *conf_verb_by_name(const char *name)
{
	for (const struct conf_verb *v = conf_verbs; name && v->name; v++)
		if (!strcmp(v->name, name))
			return v;
	return NULL;
}

static bool verb_scope_takes(enum conf_verb_scope scope, const struct conf_menu *m)
{
	bool config = !(m->flags & CONF_MF_RUNTIME);

	switch (scope) {
	case CONF_VS_ANY:
		return true;
	case CONF_VS_CONFIG:
		return config;
	case CONF_VS_ITEMS:
		return config && !(m->flags & CONF_MF_SINGLETON);
	case CONF_VS_DISABLE:
		/* (a walk of the table's own: menus.c stands alone, fuzz_xfrm_stat links it so) */
		for (size_t i = 0; config && i < m->nprops; i++)
			if (!strcmp(m->props[i].name, "disabled"))
				return true;
		return false;
	case CONF_VS_IMPORT:
		return (m->flags & CONF_MF_IMPORT) != 0;
	case CONF_VS_LISTED:
		break;
	}
	return false;
}

bool conf_verb_takes(const struct conf_verb *v, const struct conf_menu *m)
{
	if (!m)
		return (v->flags & CONF_VF_TOP) != 0;
	if (verb_scope_takes(v->scope, m))
		return true;
	for (size_t i = 0; v->menus && v->menus[i] != CONF_M_COUNT; i++)
		if (v->menus[i] == m->id)
			return true;
	return false;
}

bool conf_menu_prefix(const char *path)
{
	size_t n = strlen(path);

	if (n == 0)
		return true;
	for (int m = 0; m < CONF_M_COUNT; m++) {
		const char *paths[2] = {conf_menus[m].path, conf_menus[m].alias};

		for (int k = 0; k < 2; k++)
			if (paths[k] && !strncmp(paths[k], path, n) &&
			    (paths[k][n] == ' ' || paths[k][n] == '\0'))
				return true;
	}
	return false;
}

const struct conf_menu *conf_menu_by_path(const char *path)
{
	if (!path)
		return NULL;
	for (size_t i = 0; i < CONF_M_COUNT; i++) {
		const struct conf_menu *m = &conf_menus[i];

		if (!strcmp(m->path, path) || (m->alias && !strcmp(m->alias, path)))
			return m;
	}
	return NULL;
}
