/* radius_probe: one EAP-MSCHAPv2 login through ipsecd's RADIUS client (the authenticator
 * relays, as an eap-radius gateway does), then accounting Start and Stop. For
 * tests/radius/freeradius.sh; prints one line per step, exits 0 when all succeeded.
 *   radius_probe ADDRESS AUTH-PORT ACCT-PORT SECRET USER PASSWORD */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd/crypto.h"
#include "ipsecd/eap.h"
#include "ipsecd/loop.h"
#include "ipsecd/radius.h"

static struct loop *lp;
static struct radius_client *rc;
static struct eap_ms_peer *peer;
static const char *user;
static struct radius_bytes state;
static int status = 1;
static uint8_t msk[64];
static size_t msk_len;

static void send_eap(const uint8_t *eap, size_t len);

static void acct_done(void *arg, const struct radius_reply *r)
{
	printf("accounting %s: %s\n", (const char *)arg,
	       r->result == RADIUS_RES_ACCT_OK ? "ok" : "FAILED");
	if (r->result != RADIUS_RES_ACCT_OK)
		status = 1;
	if (!strcmp(arg, "stop"))
		loop_break(lp);
}

static void accounting(void)
{
	struct radius_acct_req a = {
		.status = RADIUS_ACCT_START, .session_id = "probe-1", .user = user};

	radius_acct(rc, &a, acct_done, "start");
	a.status = RADIUS_ACCT_STOP;
	a.in_octets = 123456;
	a.out_octets = 654321;
	a.in_packets = 100;
	a.out_packets = 200;
	a.session_time = 42;
	a.terminate_cause = RADIUS_TERM_USER_REQUEST;
	radius_acct(rc, &a, acct_done, "stop");
}

static void on_reply(void *arg, const struct radius_reply *r)
{
	struct wbuf out;
	enum eap_status st;

	if (r->result != RADIUS_RES_CHALLENGE) {
		bool ok = r->result == RADIUS_RES_ACCEPT;

		if (ok && r->eap_len)
			ok = eap_ms_peer_process(peer, r->eap, r->eap_len, &(struct wbuf){0},
						 &st) == 0 &&
			     st == EAP_ST_SUCCESS;
		/* the MSK the server gives the gateway equals the one the peer derived */
		memcpy(msk, r->recv_key, r->recv_key_len);
		memcpy(msk + r->recv_key_len, r->send_key, r->send_key_len);
		msk_len = r->recv_key_len + r->send_key_len;
		ok = ok && msk_len == EAP_MS_MSK_LEN && eap_ms_peer_msk(peer) &&
		     !memcmp(msk, eap_ms_peer_msk(peer), EAP_MS_MSK_LEN);
		printf("access: %s%s%s (MSK from MS-MPPE keys %s the peer's)\n",
		       r->result == RADIUS_RES_ACCEPT	? "Access-Accept"
		       : r->result == RADIUS_RES_REJECT ? "Access-Reject"
							: "no answer",
		       r->reply_message[0] ? ": " : "", r->reply_message,
		       ok ? "matches" : "does NOT match");
		status = ok ? 0 : 1;
		accounting();
		return;
	}
	state = r->state;
	wbuf_init(&out);
	if (eap_ms_peer_process(peer, r->eap, r->eap_len, &out, &st) || st != EAP_ST_CONTINUE) {
		printf("access: the peer refused the challenge\n");
		loop_break(lp);
		return;
	}
	send_eap(out.p, out.len);
	wbuf_free(&out);
}

static void send_eap(const uint8_t *eap, size_t len)
{
	struct sockaddr_in calling = {.sin_family = AF_INET};
	struct radius_req req = {.user = user,
				 .eap = eap,
				 .eap_len = len,
				 .calling = (struct sockaddr *)&calling,
				 .nas_port = 1};

	inet_pton(AF_INET, "192.0.2.10", &calling.sin_addr);
	if (state.len) {
		req.state = state.data;
		req.state_len = state.len;
	}
	if (!radius_auth(rc, &req, on_reply, NULL)) {
		printf("cannot send\n");
		loop_break(lp);
	}
}

int main(int argc, char **argv)
{
	struct radius_client_conf conf = {.nservers = 1, .timeout_ms = 1000, .require_ma = true};
	struct sockaddr_in *a = (struct sockaddr_in *)&conf.server[0].addr;
	struct wbuf id;
	int err;

	if (argc != 7) {
		fprintf(stderr, "usage: %s ADDRESS AUTH-PORT ACCT-PORT SECRET USER PASSWORD\n",
			argv[0]);
		return 2;
	}
	crypto_init();
	lp = loop_default();
	a->sin_family = AF_INET;
	inet_pton(AF_INET, argv[1], &a->sin_addr);
	conf.server[0].auth_port = (uint16_t)atoi(argv[2]);
	conf.server[0].acct_port = (uint16_t)atoi(argv[3]);
	conf.server[0].secret = (const uint8_t *)argv[4];
	conf.server[0].secretlen = strlen(argv[4]);
	user = argv[5];
	if (!(rc = radius_client_new(lp, &conf, &err)) || !(peer = eap_ms_peer_new(user, argv[6])))
		return 2;
	wbuf_init(&id);
	eap_put_identity(&id, EAP_CODE_RESPONSE, 0, user);
	send_eap(id.p, id.len);
	wbuf_free(&id);
	loop_run(lp);
	radius_client_free(rc);
	eap_ms_peer_free(peer);
	return status;
}
