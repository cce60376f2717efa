/* ikev1_names: IKEv1 names for logs: exchange and payload types (RFC 2408 3.1, RFC 3947,
 * mode-cfg, Cisco fragments), notify types (RFC 2408 3.14.1, RFC 2407 4.6.3, RFC 3706), data
 * attribute types of phase 1 (RFC 2409 Appendix A) and the IPsec DOI (RFC 2407 4.5), mode-cfg
 * and XAuth attributes, and the values logs quote most (authentication methods,
 * encapsulation modes, ID types). Each is a table of value and name; a value without a name
 * prints as its number, in a static buffer per function (the daemon is single-threaded). */
#include <stdio.h>

#include "ipsecd/wire_v1.h"

struct name {
	uint16_t v;
	const char *s;
};

#define N(v, s)                                                                                    \
	{                                                                                          \
		v, s                                                                               \
	}
#define COUNT(t) (sizeof(t) / sizeof((t)[0]))

static const char *lookup(const struct name *t, size_t n, uint16_t v, char *num, size_t size)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].v == v)
			return t[i].s;
	snprintf(num, size, "%u", v);
	return num;
}

const char *ikev1_exch_name(uint8_t exch)
{
	static const struct name t[] = {
		N(IKEV1_EXCH_BASE, "BASE"),
		N(IKEV1_EXCH_IDPROT, "IDENTITY_PROTECTION"),
		N(IKEV1_EXCH_AUTH_ONLY, "AUTHENTICATION_ONLY"),
		N(IKEV1_EXCH_AGGRESSIVE, "AGGRESSIVE"),
		N(IKEV1_EXCH_INFORMATIONAL, "INFORMATIONAL"),
		N(IKEV1_EXCH_TRANSACTION, "TRANSACTION"),
		N(IKEV1_EXCH_QUICK, "QUICK_MODE"),
		N(IKEV1_EXCH_NEW_GROUP, "NEW_GROUP_MODE"),
	};
	static char num[8];

	return lookup(t, COUNT(t), exch, num, sizeof(num));
}

/* Short names as RFC 2409 writes them in exchange diagrams. */
const char *ikev1_pld_name(uint8_t type)
{
	static const struct name t[] = {
		N(IKEV1_PLD_NONE, "NONE"),
		N(IKEV1_PLD_SA, "SA"),
		N(IKEV1_PLD_PROPOSAL, "P"),
		N(IKEV1_PLD_TRANSFORM, "T"),
		N(IKEV1_PLD_KE, "KE"),
		N(IKEV1_PLD_ID, "ID"),
		N(IKEV1_PLD_CERT, "CERT"),
		N(IKEV1_PLD_CERTREQ, "CR"),
		N(IKEV1_PLD_HASH, "HASH"),
		N(IKEV1_PLD_SIG, "SIG"),
		N(IKEV1_PLD_NONCE, "NONCE"),
		N(IKEV1_PLD_NOTIFY, "N"),
		N(IKEV1_PLD_DELETE, "D"),
		N(IKEV1_PLD_VENDOR, "VID"),
		N(IKEV1_PLD_ATTR, "ATTR"),
		N(IKEV1_PLD_NATD, "NAT-D"),
		N(IKEV1_PLD_NATOA, "NAT-OA"),
		N(IKEV1_PLD_NATD_DRAFT, "NAT-D(draft)"),
		N(IKEV1_PLD_NATOA_DRAFT, "NAT-OA(draft)"),
		N(IKEV1_PLD_FRAGMENT, "FRAG"),
	};
	static char num[8];

	return lookup(t, COUNT(t), type, num, sizeof(num));
}

const char *ikev1_notify_name(uint16_t type)
{
	static const struct name t[] = {
		N(IKEV1_N_INVALID_PAYLOAD_TYPE, "INVALID-PAYLOAD-TYPE"),
		N(IKEV1_N_DOI_NOT_SUPPORTED, "DOI-NOT-SUPPORTED"),
		N(IKEV1_N_SITUATION_NOT_SUPPORTED, "SITUATION-NOT-SUPPORTED"),
		N(IKEV1_N_INVALID_COOKIE, "INVALID-COOKIE"),
		N(IKEV1_N_INVALID_MAJOR_VERSION, "INVALID-MAJOR-VERSION"),
		N(IKEV1_N_INVALID_MINOR_VERSION, "INVALID-MINOR-VERSION"),
		N(IKEV1_N_INVALID_EXCHANGE_TYPE, "INVALID-EXCHANGE-TYPE"),
		N(IKEV1_N_INVALID_FLAGS, "INVALID-FLAGS"),
		N(IKEV1_N_INVALID_MESSAGE_ID, "INVALID-MESSAGE-ID"),
		N(IKEV1_N_INVALID_PROTOCOL_ID, "INVALID-PROTOCOL-ID"),
		N(IKEV1_N_INVALID_SPI, "INVALID-SPI"),
		N(IKEV1_N_INVALID_TRANSFORM_ID, "INVALID-TRANSFORM-ID"),
		N(IKEV1_N_ATTRIBUTES_NOT_SUPPORTED, "ATTRIBUTES-NOT-SUPPORTED"),
		N(IKEV1_N_NO_PROPOSAL_CHOSEN, "NO-PROPOSAL-CHOSEN"),
		N(IKEV1_N_BAD_PROPOSAL_SYNTAX, "BAD-PROPOSAL-SYNTAX"),
		N(IKEV1_N_PAYLOAD_MALFORMED, "PAYLOAD-MALFORMED"),
		N(IKEV1_N_INVALID_KEY_INFORMATION, "INVALID-KEY-INFORMATION"),
		N(IKEV1_N_INVALID_ID_INFORMATION, "INVALID-ID-INFORMATION"),
		N(IKEV1_N_INVALID_CERT_ENCODING, "INVALID-CERT-ENCODING"),
		N(IKEV1_N_INVALID_CERTIFICATE, "INVALID-CERTIFICATE"),
		N(IKEV1_N_CERT_TYPE_UNSUPPORTED, "CERT-TYPE-UNSUPPORTED"),
		N(IKEV1_N_INVALID_CERT_AUTHORITY, "INVALID-CERT-AUTHORITY"),
		N(IKEV1_N_INVALID_HASH_INFORMATION, "INVALID-HASH-INFORMATION"),
		N(IKEV1_N_AUTHENTICATION_FAILED, "AUTHENTICATION-FAILED"),
		N(IKEV1_N_INVALID_SIGNATURE, "INVALID-SIGNATURE"),
		N(IKEV1_N_ADDRESS_NOTIFICATION, "ADDRESS-NOTIFICATION"),
		N(IKEV1_N_NOTIFY_SA_LIFETIME, "NOTIFY-SA-LIFETIME"),
		N(IKEV1_N_CERTIFICATE_UNAVAILABLE, "CERTIFICATE-UNAVAILABLE"),
		N(IKEV1_N_UNSUPPORTED_EXCHANGE_TYPE, "UNSUPPORTED-EXCHANGE-TYPE"),
		N(IKEV1_N_UNEQUAL_PAYLOAD_LENGTHS, "UNEQUAL-PAYLOAD-LENGTHS"),
		N(IKEV1_N_CONNECTED, "CONNECTED"),
		N(IKEV1_N_RESPONDER_LIFETIME, "RESPONDER-LIFETIME"),
		N(IKEV1_N_REPLAY_STATUS, "REPLAY-STATUS"),
		N(IKEV1_N_INITIAL_CONTACT, "INITIAL-CONTACT"),
		N(IKEV1_N_R_U_THERE, "R-U-THERE"),
		N(IKEV1_N_R_U_THERE_ACK, "R-U-THERE-ACK"),
	};
	static char num[8];

	return lookup(t, COUNT(t), type, num, sizeof(num));
}

const char *ikev1_p1_attr_name(uint16_t type)
{
	static const struct name t[] = {
		N(IKEV1_P1_ENCR, "Encryption Algorithm"),
		N(IKEV1_P1_HASH, "Hash Algorithm"),
		N(IKEV1_P1_AUTH_METHOD, "Authentication Method"),
		N(IKEV1_P1_GROUP_DESC, "Group Description"),
		N(IKEV1_P1_GROUP_TYPE, "Group Type"),
		N(IKEV1_P1_GROUP_PRIME, "Group Prime/Irreducible Polynomial"),
		N(IKEV1_P1_GROUP_GEN_ONE, "Group Generator One"),
		N(IKEV1_P1_GROUP_GEN_TWO, "Group Generator Two"),
		N(IKEV1_P1_GROUP_CURVE_A, "Group Curve A"),
		N(IKEV1_P1_GROUP_CURVE_B, "Group Curve B"),
		N(IKEV1_P1_LIFE_TYPE, "Life Type"),
		N(IKEV1_P1_LIFE_DURATION, "Life Duration"),
		N(IKEV1_P1_PRF, "PRF"),
		N(IKEV1_P1_KEY_LENGTH, "Key Length"),
		N(IKEV1_P1_FIELD_SIZE, "Field Size"),
		N(IKEV1_P1_GROUP_ORDER, "Group Order"),
	};
	static char num[8];

	return lookup(t, COUNT(t), type, num, sizeof(num));
}

const char *ikev1_p2_attr_name(uint16_t type)
{
	static const struct name t[] = {
		N(IKEV1_P2_SA_LIFE_TYPE, "SA Life Type"),
		N(IKEV1_P2_SA_LIFE_DURATION, "SA Life Duration"),
		N(IKEV1_P2_GROUP_DESC, "Group Description"),
		N(IKEV1_P2_ENCAP_MODE, "Encapsulation Mode"),
		N(IKEV1_P2_AUTH_ALG, "Authentication Algorithm"),
		N(IKEV1_P2_KEY_LENGTH, "Key Length"),
		N(IKEV1_P2_KEY_ROUNDS, "Key Rounds"),
		N(IKEV1_P2_COMP_DICT_SIZE, "Compress Dictionary Size"),
		N(IKEV1_P2_COMP_PRIV_ALG, "Compress Private Algorithm"),
		N(IKEV1_P2_ECN_TUNNEL, "ECN Tunnel"),
		N(IKEV1_P2_ESN, "Extended Sequence Number"),
	};
	static char num[8];

	return lookup(t, COUNT(t), type, num, sizeof(num));
}

const char *ikev1_cfg_attr_name(uint16_t type)
{
	static const struct name t[] = {
		N(IKEV1_CFG_INTERNAL_IP4_ADDRESS, "INTERNAL_IP4_ADDRESS"),
		N(IKEV1_CFG_INTERNAL_IP4_NETMASK, "INTERNAL_IP4_NETMASK"),
		N(IKEV1_CFG_INTERNAL_IP4_DNS, "INTERNAL_IP4_DNS"),
		N(IKEV1_CFG_INTERNAL_IP4_NBNS, "INTERNAL_IP4_NBNS"),
		N(IKEV1_CFG_INTERNAL_ADDRESS_EXPIRY, "INTERNAL_ADDRESS_EXPIRY"),
		N(IKEV1_CFG_INTERNAL_IP4_DHCP, "INTERNAL_IP4_DHCP"),
		N(IKEV1_CFG_APPLICATION_VERSION, "APPLICATION_VERSION"),
		N(IKEV1_CFG_INTERNAL_IP6_ADDRESS, "INTERNAL_IP6_ADDRESS"),
		N(IKEV1_CFG_INTERNAL_IP6_NETMASK, "INTERNAL_IP6_NETMASK"),
		N(IKEV1_CFG_INTERNAL_IP6_DNS, "INTERNAL_IP6_DNS"),
		N(IKEV1_CFG_INTERNAL_IP6_NBNS, "INTERNAL_IP6_NBNS"),
		N(IKEV1_CFG_INTERNAL_IP6_DHCP, "INTERNAL_IP6_DHCP"),
		N(IKEV1_CFG_INTERNAL_IP4_SUBNET, "INTERNAL_IP4_SUBNET"),
		N(IKEV1_CFG_SUPPORTED_ATTRIBUTES, "SUPPORTED_ATTRIBUTES"),
		N(IKEV1_CFG_INTERNAL_IP6_SUBNET, "INTERNAL_IP6_SUBNET"),
		N(IKEV1_CFG_XAUTH_TYPE, "XAUTH_TYPE"),
		N(IKEV1_CFG_XAUTH_USER_NAME, "XAUTH_USER_NAME"),
		N(IKEV1_CFG_XAUTH_USER_PASSWORD, "XAUTH_USER_PASSWORD"),
		N(IKEV1_CFG_XAUTH_PASSCODE, "XAUTH_PASSCODE"),
		N(IKEV1_CFG_XAUTH_MESSAGE, "XAUTH_MESSAGE"),
		N(IKEV1_CFG_XAUTH_CHALLENGE, "XAUTH_CHALLENGE"),
		N(IKEV1_CFG_XAUTH_DOMAIN, "XAUTH_DOMAIN"),
		N(IKEV1_CFG_XAUTH_STATUS, "XAUTH_STATUS"),
		N(IKEV1_CFG_XAUTH_NEXT_PIN, "XAUTH_NEXT_PIN"),
		N(IKEV1_CFG_XAUTH_ANSWER, "XAUTH_ANSWER"),
		N(IKEV1_CFG_UNITY_BANNER, "UNITY_BANNER"),
		N(IKEV1_CFG_UNITY_SAVE_PASSWD, "UNITY_SAVE_PASSWD"),
		N(IKEV1_CFG_UNITY_DEF_DOMAIN, "UNITY_DEF_DOMAIN"),
		N(IKEV1_CFG_UNITY_SPLITDNS_NAME, "UNITY_SPLITDNS_NAME"),
		N(IKEV1_CFG_UNITY_SPLIT_INCLUDE, "UNITY_SPLIT_INCLUDE"),
		N(IKEV1_CFG_UNITY_NATT_PORT, "UNITY_NATT_PORT"),
		N(IKEV1_CFG_UNITY_LOCAL_LAN, "UNITY_LOCAL_LAN"),
		N(IKEV1_CFG_UNITY_PFS, "UNITY_PFS"),
		N(IKEV1_CFG_UNITY_FW_TYPE, "UNITY_FW_TYPE"),
		N(IKEV1_CFG_UNITY_BACKUP_SERVERS, "UNITY_BACKUP_SERVERS"),
		N(IKEV1_CFG_UNITY_DDNS_HOSTNAME, "UNITY_DDNS_HOSTNAME"),
	};
	static char num[8];

	return lookup(t, COUNT(t), type, num, sizeof(num));
}

const char *ikev1_auth_method_name(uint16_t method)
{
	static const struct name t[] = {
		N(IKEV1_AUTH_PSK, "PreSharedKey"),
		N(IKEV1_AUTH_DSS_SIG, "DSSSignature"),
		N(IKEV1_AUTH_RSA_SIG, "RSASignature"),
		N(IKEV1_AUTH_RSA_ENC, "RSAEncryption"),
		N(IKEV1_AUTH_RSA_ENC_REV, "RSARevisedEncryption"),
		N(IKEV1_AUTH_ECDSA_256, "ECDSA-SHA256-P256"),
		N(IKEV1_AUTH_ECDSA_384, "ECDSA-SHA384-P384"),
		N(IKEV1_AUTH_ECDSA_521, "ECDSA-SHA512-P521"),
		N(IKEV1_AUTH_HYBRID_INIT_RSA, "HybridInitRSA"),
		N(IKEV1_AUTH_HYBRID_RESP_RSA, "HybridRespRSA"),
		N(IKEV1_AUTH_HYBRID_INIT_DSS, "HybridInitDSS"),
		N(IKEV1_AUTH_HYBRID_RESP_DSS, "HybridRespDSS"),
		N(IKEV1_AUTH_XAUTH_INIT_PSK, "XAuthInitPreShared"),
		N(IKEV1_AUTH_XAUTH_RESP_PSK, "XAuthRespPreShared"),
		N(IKEV1_AUTH_XAUTH_INIT_DSS, "XAuthInitDSS"),
		N(IKEV1_AUTH_XAUTH_RESP_DSS, "XAuthRespDSS"),
		N(IKEV1_AUTH_XAUTH_INIT_RSA, "XAuthInitRSA"),
		N(IKEV1_AUTH_XAUTH_RESP_RSA, "XAuthRespRSA"),
		N(IKEV1_AUTH_XAUTH_INIT_RSA_ENC, "XAuthInitRSAEncryption"),
		N(IKEV1_AUTH_XAUTH_RESP_RSA_ENC, "XAuthRespRSAEncryption"),
		N(IKEV1_AUTH_XAUTH_INIT_RSA_ENC_REV, "XAuthInitRSARevisedEncryption"),
		N(IKEV1_AUTH_XAUTH_RESP_RSA_ENC_REV, "XAuthRespRSARevisedEncryption"),
	};
	static char num[8];

	return lookup(t, COUNT(t), method, num, sizeof(num));
}

const char *ikev1_encap_mode_name(uint16_t mode)
{
	static const struct name t[] = {
		N(IKEV1_ENCAP_TUNNEL, "Tunnel"),
		N(IKEV1_ENCAP_TRANSPORT, "Transport"),
		N(IKEV1_ENCAP_UDP_TUNNEL, "UDP-Encapsulated-Tunnel"),
		N(IKEV1_ENCAP_UDP_TRANSPORT, "UDP-Encapsulated-Transport"),
		N(IKEV1_ENCAP_UDP_TUNNEL_DRAFT, "UDP-Encapsulated-Tunnel(draft)"),
		N(IKEV1_ENCAP_UDP_TRANSPORT_DRAFT, "UDP-Encapsulated-Transport(draft)"),
	};
	static char num[8];

	return lookup(t, COUNT(t), mode, num, sizeof(num));
}

const char *ikev1_id_type_name(uint8_t type)
{
	static const struct name t[] = {
		N(IKEV1_ID_IPV4_ADDR, "ID_IPV4_ADDR"),
		N(IKEV1_ID_FQDN, "ID_FQDN"),
		N(IKEV1_ID_USER_FQDN, "ID_USER_FQDN"),
		N(IKEV1_ID_IPV4_ADDR_SUBNET, "ID_IPV4_ADDR_SUBNET"),
		N(IKEV1_ID_IPV6_ADDR, "ID_IPV6_ADDR"),
		N(IKEV1_ID_IPV6_ADDR_SUBNET, "ID_IPV6_ADDR_SUBNET"),
		N(IKEV1_ID_IPV4_ADDR_RANGE, "ID_IPV4_ADDR_RANGE"),
		N(IKEV1_ID_IPV6_ADDR_RANGE, "ID_IPV6_ADDR_RANGE"),
		N(IKEV1_ID_DER_ASN1_DN, "ID_DER_ASN1_DN"),
		N(IKEV1_ID_DER_ASN1_GN, "ID_DER_ASN1_GN"),
		N(IKEV1_ID_KEY_ID, "ID_KEY_ID"),
	};
	static char num[8];

	return lookup(t, COUNT(t), type, num, sizeof(num));
}
