/* rest_map.h: the pure JSON -> data model mappings of each vendor REST
 * driver (drv_<vendor>.c), exported so unit tests can run them on canned
 * responses without a network.  Each function reads one parsed response
 * body and adds to a snapshot builder; none does I/O or keeps state.
 * Errors: TW_ERR_INVALID_DATA (JSON of the wrong shape or impossible
 * values), TW_ERR_NOMEM; msg says which record and field. */
#ifndef TW_REST_MAP_H
#define TW_REST_MAP_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "model.h"
#include "tw.h"

/* ---- NetApp ONTAP (drv_ontap.c) ---- */
/* GET /api/cluster: version into array_info. */
tw_err ontap_map_cluster(const json_t *root, struct snap_builder *b, char *msg, size_t msglen);
/* GET /api/storage/aggregates page: one pool per aggregate. */
tw_err ontap_map_aggregates(const json_t *root, struct snap_builder *b, char *msg,
			    size_t msglen);
/* GET /api/storage/volumes page: volumes "svm:name" in their aggregate; a
 * FlexGroup spanning k aggregates becomes k parts "svm:name@aggr" holding an
 * even share of its size and use (see docs/rest.md). */
tw_err ontap_map_volumes(const json_t *root, struct snap_builder *b, char *msg, size_t msglen);
/* _links.next.href of a collection page: 1 and *href (borrowed) when there
 * is a next page, 0 when not, -1 when the link is malformed or leaves the
 * API (absolute URL, not starting with '/'). */
int ontap_next_href(const json_t *root, const char **href);
/* "message (code N)" from an ONTAP error body. */
void ontap_error_text(const json_t *root, char *out, size_t outlen);

/* ---- Pure Storage FlashArray REST 2.x (drv_purefa.c) ---- */
/* GET /api/api_version: highest 2.x version offered, into out ("2.15"). */
tw_err purefa_pick_version(const json_t *root, char *out, size_t outlen, char *msg,
			   size_t msglen);
/* GET /api/2.x/arrays: the array is one pool named after it; *pool gets
 * its index. */
tw_err purefa_map_arrays(const json_t *root, struct snap_builder *b, uint32_t *pool, char *msg,
			 size_t msglen);
/* GET /api/2.x/volumes page: every volume thin, in `pool`; destroyed
 * volumes skipped. */
tw_err purefa_map_volumes(const json_t *root, struct snap_builder *b, uint32_t pool, char *msg,
			  size_t msglen);
/* continuation_token of a page: 1 and *token (borrowed) when more pages
 * follow, 0 when not, -1 when malformed. */
int purefa_continuation(const json_t *root, const char **token);
void purefa_error_text(const json_t *root, char *out, size_t outlen);

#endif
