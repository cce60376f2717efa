/* ikev2_names: IKEv2 exchange, notify and payload type names for logs (RFC 7296 3.1, 3.2,
 * 3.10.1; RFC 7383 for SKF). A value without a name prints as its number, in a static
 * buffer per function: the daemon is single-threaded, and two different kinds of name can
 * go in one log line. */
#include <stdio.h>

#include "ipsecd/wire.h"

const char *ikev2_exch_name(uint8_t exch)
{
	static char num[8];

	switch (exch) {
	case IKEV2_EXCH_IKE_SA_INIT:
		return "IKE_SA_INIT";
	case IKEV2_EXCH_IKE_AUTH:
		return "IKE_AUTH";
	case IKEV2_EXCH_CREATE_CHILD_SA:
		return "CREATE_CHILD_SA";
	case IKEV2_EXCH_INFORMATIONAL:
		return "INFORMATIONAL";
	}
	snprintf(num, sizeof(num), "%u", exch);
	return num;
}

/* Short names as RFC 7296 3.2 writes them in exchange diagrams. */
const char *ikev2_pld_name(uint8_t type)
{
	static const char *const names[] = {
		[IKEV2_PLD_SA - 32] = "SA",	[IKEV2_PLD_KE - 32] = "KE",
		[IKEV2_PLD_IDI - 32] = "IDi",	[IKEV2_PLD_IDR - 32] = "IDr",
		[IKEV2_PLD_CERT - 32] = "CERT", [IKEV2_PLD_CERTREQ - 32] = "CERTREQ",
		[IKEV2_PLD_AUTH - 32] = "AUTH", [IKEV2_PLD_NONCE - 32] = "Nonce",
		[IKEV2_PLD_NOTIFY - 32] = "N",	[IKEV2_PLD_DELETE - 32] = "D",
		[IKEV2_PLD_VENDOR - 32] = "V",	[IKEV2_PLD_TSI - 32] = "TSi",
		[IKEV2_PLD_TSR - 32] = "TSr",	[IKEV2_PLD_SK - 32] = "SK",
		[IKEV2_PLD_CP - 32] = "CP",	[IKEV2_PLD_EAP - 32] = "EAP",
		[IKEV2_PLD_SKF - 32] = "SKF",
	};
	static char num[8];

	if (type == IKEV2_PLD_NONE)
		return "NONE";
	if (type >= 32 && type - 32 < (int)(sizeof(names) / sizeof(names[0])) && names[type - 32])
		return names[type - 32];
	snprintf(num, sizeof(num), "%u", type);
	return num;
}

static const char *notify_error_name(uint16_t type)
{
	switch (type) {
	case IKEV2_N_UNSUPPORTED_CRITICAL_PAYLOAD:
		return "UNSUPPORTED_CRITICAL_PAYLOAD";
	case IKEV2_N_INVALID_IKE_SPI:
		return "INVALID_IKE_SPI";
	case IKEV2_N_INVALID_MAJOR_VERSION:
		return "INVALID_MAJOR_VERSION";
	case IKEV2_N_INVALID_SYNTAX:
		return "INVALID_SYNTAX";
	case IKEV2_N_INVALID_MESSAGE_ID:
		return "INVALID_MESSAGE_ID";
	case IKEV2_N_INVALID_SPI:
		return "INVALID_SPI";
	case IKEV2_N_NO_PROPOSAL_CHOSEN:
		return "NO_PROPOSAL_CHOSEN";
	case IKEV2_N_INVALID_KE_PAYLOAD:
		return "INVALID_KE_PAYLOAD";
	case IKEV2_N_AUTHENTICATION_FAILED:
		return "AUTHENTICATION_FAILED";
	case IKEV2_N_SINGLE_PAIR_REQUIRED:
		return "SINGLE_PAIR_REQUIRED";
	case IKEV2_N_NO_ADDITIONAL_SAS:
		return "NO_ADDITIONAL_SAS";
	case IKEV2_N_INTERNAL_ADDRESS_FAILURE:
		return "INTERNAL_ADDRESS_FAILURE";
	case IKEV2_N_FAILED_CP_REQUIRED:
		return "FAILED_CP_REQUIRED";
	case IKEV2_N_TS_UNACCEPTABLE:
		return "TS_UNACCEPTABLE";
	case IKEV2_N_INVALID_SELECTORS:
		return "INVALID_SELECTORS";
	case IKEV2_N_TEMPORARY_FAILURE:
		return "TEMPORARY_FAILURE";
	case IKEV2_N_CHILD_SA_NOT_FOUND:
		return "CHILD_SA_NOT_FOUND";
	}
	return NULL;
}

static const char *notify_status_name(uint16_t type)
{
	switch (type) {
	case IKEV2_N_INITIAL_CONTACT:
		return "INITIAL_CONTACT";
	case IKEV2_N_SET_WINDOW_SIZE:
		return "SET_WINDOW_SIZE";
	case IKEV2_N_ADDITIONAL_TS_POSSIBLE:
		return "ADDITIONAL_TS_POSSIBLE";
	case IKEV2_N_IPCOMP_SUPPORTED:
		return "IPCOMP_SUPPORTED";
	case IKEV2_N_NAT_DETECTION_SOURCE_IP:
		return "NAT_DETECTION_SOURCE_IP";
	case IKEV2_N_NAT_DETECTION_DESTINATION_IP:
		return "NAT_DETECTION_DESTINATION_IP";
	case IKEV2_N_COOKIE:
		return "COOKIE";
	case IKEV2_N_USE_TRANSPORT_MODE:
		return "USE_TRANSPORT_MODE";
	case IKEV2_N_HTTP_CERT_LOOKUP_SUPPORTED:
		return "HTTP_CERT_LOOKUP_SUPPORTED";
	case IKEV2_N_REKEY_SA:
		return "REKEY_SA";
	case IKEV2_N_ESP_TFC_PADDING_NOT_SUPPORTED:
		return "ESP_TFC_PADDING_NOT_SUPPORTED";
	case IKEV2_N_NON_FIRST_FRAGMENTS_ALSO:
		return "NON_FIRST_FRAGMENTS_ALSO";
	case IKEV2_N_MOBIKE_SUPPORTED:
		return "MOBIKE_SUPPORTED";
	case IKEV2_N_MULTIPLE_AUTH_SUPPORTED:
		return "MULTIPLE_AUTH_SUPPORTED";
	case IKEV2_N_REDIRECT_SUPPORTED:
		return "REDIRECT_SUPPORTED";
	case IKEV2_N_IKEV2_FRAGMENTATION_SUPPORTED:
		return "IKEV2_FRAGMENTATION_SUPPORTED";
	case IKEV2_N_SIGNATURE_HASH_ALGORITHMS:
		return "SIGNATURE_HASH_ALGORITHMS";
	}
	return NULL;
}

const char *ikev2_notify_name(uint16_t type)
{
	static char num[8];
	const char *name =
		type < IKEV2_N_INITIAL_CONTACT ? notify_error_name(type) : notify_status_name(type);

	if (name)
		return name;
	snprintf(num, sizeof(num), "%u", type);
	return num;
}
