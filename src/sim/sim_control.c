/* sim_control.c: the simulator's control endpoint (see sim_control.h):
 * libmicrohttpd in external-select mode on the simulator's event loop,
 * two routes (POST /fault, GET /stats) over the SNMP agent's arrays and
 * the REST servers' arrays, JSON through jansson.  It has no
 * authentication, so it listens on loopback addresses only. */
#include "config.h"
#include "sim/sim_control.h"
#include "sim/sim_fault.h"
#include "sim/sim_rest.h"
#include "sim/sim_snmp.h"
#include "buf.h"
#include "log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>
#include <microhttpd.h>

struct sim_control {
	struct MHD_Daemon *d;
	struct sim_snmp *agent;
	struct sim_rest *rest;
	char address[96];
	fd_set es; /* MHD wants an except set too; select() here does not use it */
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *ctype,
			     char *body)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (!body)
		return MHD_NO;
	r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", ctype);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *fmt,
				  ...) __attribute__((format(printf, 3, 4)));

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *fmt,
				  ...)
{
	struct buf b;
	va_list ap;
	char tmp[512];

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	buf_init(&b, 4096);
	buf_puts(&b, tmp);
	buf_putc(&b, '\n');
	if (buf_failed(&b)) {
		buf_free(&b);
		return MHD_NO;
	}
	return reply(c, status, "text/plain; charset=utf-8", buf_detach(&b, NULL));
}

/* Query arguments of POST /fault: every key must be known. */
struct args_check {
	const char *bad;
};

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	struct args_check *ac = cls;
	(void)kind;
	(void)value;
	if (strcmp(key, "array") == 0 || strcmp(key, "type") == 0)
		return MHD_YES;
	for (size_t i = 0; sim_fault_params[i]; i++)
		if (strcmp(key, sim_fault_params[i]) == 0)
			return MHD_YES;
	ac->bad = key;
	return MHD_NO;
}

static enum MHD_Result post_fault(struct sim_control *ctl, struct MHD_Connection *c)
{
	const char *array = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "array");
	const char *type = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "type");
	struct args_check ac = { NULL };
	struct sim_fault f;
	char msg[256] = "", desc[192];
	size_t i;

	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, check_arg, &ac);
	if (ac.bad)
		return reply_text(c, 400, "unknown parameter '%s' (expected array, type, delay_ms, "
					  "rows, retry_after, depth, bytes, to)", ac.bad);
	if (!array || !type)
		return reply_text(c, 400, "expected /fault?array=NAME&type=TYPE");
	sim_fault_init(&f);
	if (sim_fault_parse_type(type, &f.type))
		return reply_text(c, 400, "unknown fault type '%s'", type);
	for (i = 0; sim_fault_params[i]; i++) {
		const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
							    sim_fault_params[i]);
		if (v && sim_fault_set_param(&f, sim_fault_params[i], v, msg, sizeof msg))
			return reply_text(c, 400, "%s", msg);
	}
	if (sim_fault_check(&f, msg, sizeof msg))
		return reply_text(c, 400, "%s", msg);
	i = ctl->agent ? sim_snmp_find(ctl->agent, array) : SIM_SNMP_NONE;
	if (i != SIM_SNMP_NONE) {
		if (sim_fault_check_for(&f, SIM_FAULT_SNMP, msg, sizeof msg) ||
		    sim_snmp_set_fault(ctl->agent, i, &f, msg, sizeof msg))
			return reply_text(c, 400, "%s: %s", array, msg);
		sim_fault_describe(sim_snmp_get_fault(ctl->agent, i), desc, sizeof desc);
		return reply_text(c, 200, "%s: fault %s", array, desc);
	}
	i = sim_rest_find(ctl->rest, array);
	if (i == SIM_REST_NONE)
		return reply_text(c, 404, "no array named '%s'", array);
	if (sim_rest_set_fault(ctl->rest, i, &f, msg, sizeof msg))
		return reply_text(c, 400, "%s: %s", array, msg);
	sim_rest_get_fault(ctl->rest, i, &f);
	sim_fault_describe(&f, desc, sizeof desc);
	return reply_text(c, 200, "%s: fault %s", array, desc);
}

/* One REST array's entry of GET /stats. */
static json_t *rest_stats(struct sim_rest *r, size_t i)
{
	struct sim_rest_stats st;
	struct sim_fault f;
	json_t *a, *log = json_array();
	sim_rest_get_fault(r, i, &f);
	sim_rest_get_stats(r, i, &st);
	for (size_t k = 0; log && k < st.nlog; k++)
		json_array_append_new(log, json_pack("[f,i]", st.log[k].t, (int)st.log[k].status));
	a = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o}", "protocol",
		      "rest", "fault", sim_fault_name(f.type), "delay_ms", (json_int_t)f.delay_ms,
		      "retry_after", (json_int_t)f.retry_after, "depth", (json_int_t)f.depth,
		      "bytes", (json_int_t)f.bytes, "to", f.to, "requests", (json_int_t)st.requests,
		      "connections", (json_int_t)st.connections, "logins", (json_int_t)st.logins,
		      "login_failures", (json_int_t)st.login_failures, "logouts",
		      (json_int_t)st.logouts, "sessions", (json_int_t)st.sessions, "expired",
		      (json_int_t)st.expired, "request_log", log);
	return a;
}

static enum MHD_Result get_stats(struct sim_control *ctl, struct MHD_Connection *c)
{
	json_t *root = json_object(), *arrays = json_object();
	char *text;
	int bad = !root || !arrays || json_object_set(root, "arrays", arrays);

	for (size_t i = 0; !bad && ctl->agent && i < sim_snmp_count(ctl->agent); i++) {
		const struct sim_fault *f = sim_snmp_get_fault(ctl->agent, i);
		struct sim_snmp_stats st;
		json_t *a;
		sim_snmp_get_stats(ctl->agent, i, &st);
		a = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "fault",
			      sim_fault_name(f->type), "delay_ms", (json_int_t)f->delay_ms, "rows",
			      (json_int_t)f->rows, "requests", (json_int_t)st.requests, "responses",
			      (json_int_t)st.responses, "dropped", (json_int_t)st.dropped, "delayed",
			      (json_int_t)st.delayed, "garbled", (json_int_t)st.garbled, "refused",
			      (json_int_t)st.refused);
		bad = !a || json_object_set_new(arrays, sim_snmp_name(ctl->agent, i), a);
	}
	for (size_t i = 0; !bad && i < sim_rest_count(ctl->rest); i++) {
		json_t *a = rest_stats(ctl->rest, i);
		bad = !a || json_object_set_new(arrays, sim_rest_name(ctl->rest, i), a);
	}
	text = bad ? NULL : json_dumps(root, JSON_COMPACT);
	json_decref(arrays);
	json_decref(root);
	if (!text)
		return reply_text(c, 500, "out of memory");
	{
		/* json_dumps' memory is malloc'd (jansson's default allocator) */
		struct buf b;
		buf_init(&b, 0);
		buf_puts(&b, text);
		buf_putc(&b, '\n');
		free(text);
		if (buf_failed(&b)) {
			buf_free(&b);
			return MHD_NO;
		}
		return reply(c, 200, "application/json", buf_detach(&b, NULL));
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct sim_control *ctl = cls;

	(void)version;
	(void)upload_data;
	if (!*con_cls) { /* headers only so far */
		*con_cls = ctl; /* any non-NULL marker */
		return MHD_YES;
	}
	if (*upload_data_size) { /* a body: not used, swallowed */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/fault") == 0) {
		if (strcmp(method, "POST") != 0)
			return reply_text(c, 405, "use POST /fault?array=NAME&type=TYPE");
		return post_fault(ctl, c);
	}
	if (strcmp(url, "/stats") == 0) {
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
			return reply_text(c, 405, "use GET /stats");
		return get_stats(ctl, c);
	}
	return reply_text(c, 404, "not found: try POST /fault?array=NAME&type=TYPE or GET /stats");
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;
	(void)cls;
	vsnprintf(line, sizeof line, fmt, ap);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
		line[--n] = '\0';
	tw_log(TW_LOG_WARN, "control endpoint", "detail", line, NULL);
}

tw_err sim_control_start(const char *listen, struct sim_snmp *agent, struct sim_rest *rest,
			 struct sim_control **out, char *msg, size_t msglen)
{
	struct sim_control *ctl;
	struct sockaddr_in sin;
	const char *colon = strrchr(listen, ':');
	const union MHD_DaemonInfo *di;
	char host[64];
	uint64_t port;
	size_t hl;

	*out = NULL;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	hl = colon ? (size_t)(colon - listen) : 0;
	if (!colon || hl == 0 || hl >= sizeof host || tw_parse_u64(colon + 1, &port) || port > 65535)
		return tw_seterr(msg, msglen, TW_ERR_CONFIG,
				 "--control %s: expected HOST:PORT like 127.0.0.1:18999", listen);
	memcpy(host, listen, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		return tw_seterr(msg, msglen, TW_ERR_CONFIG,
				 "--control %s: expected an IPv4 address like 127.0.0.1", listen);
	/* Anyone who reaches the endpoint can switch faults: loopback only. */
	if ((ntohl(sin.sin_addr.s_addr) >> 24) != 127)
		return tw_seterr(msg, msglen, TW_ERR_CONFIG,
				 "--control %s: the control endpoint listens on loopback "
				 "addresses only (127.0.0.0/8), like 127.0.0.1:18999", listen);
	sin.sin_port = htons((uint16_t)port);
	if (!(ctl = calloc(1, sizeof *ctl)))
		return tw_seterr(msg, msglen, TW_ERR_NOMEM, "out of memory");
	ctl->agent = agent;
	ctl->rest = rest;
	FD_ZERO(&ctl->es);
	ctl->d = MHD_start_daemon(MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, ctl,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_SOCK_ADDR,
				  (struct sockaddr *)&sin, MHD_OPTION_CONNECTION_LIMIT, 64u,
				  MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (!ctl->d) {
		free(ctl);
		return tw_seterr(msg, msglen, TW_ERR_IO,
				 "--control %s: cannot listen (address in use or not local?)", listen);
	}
	di = MHD_get_daemon_info(ctl->d, MHD_DAEMON_INFO_BIND_PORT);
	snprintf(ctl->address, sizeof ctl->address, "%s:%u", host,
		 di ? (unsigned)di->port : (unsigned)port);
	*out = ctl;
	return TW_OK;
}

void sim_control_stop(struct sim_control *c)
{
	if (!c)
		return;
	MHD_stop_daemon(c->d);
	free(c);
}

const char *sim_control_address(const struct sim_control *c)
{
	return c->address;
}

void sim_control_prepare(struct sim_control *c, int *nfds, fd_set *rfds, fd_set *wfds,
			 struct timeval *tv)
{
	MHD_socket max = MHD_INVALID_SOCKET;
	MHD_UNSIGNED_LONG_LONG ms;

	FD_ZERO(&c->es);
	if (MHD_get_fdset2(c->d, rfds, wfds, &c->es, &max, FD_SETSIZE) == MHD_YES &&
	    max != MHD_INVALID_SOCKET && max + 1 > *nfds)
		*nfds = max + 1;
	if (MHD_get_timeout(c->d, &ms) == MHD_YES) {
		struct timeval t = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };
		if (timercmp(&t, tv, <))
			*tv = t;
	}
}

void sim_control_process(struct sim_control *c, fd_set *rfds, fd_set *wfds)
{
	FD_ZERO(&c->es);
	MHD_run_from_select(c->d, rfds, wfds, &c->es);
}
