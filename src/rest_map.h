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
/* GET /api/storage/luns page (after every volume page): LUNs as volumes
 * "svm:/vol/VOL/LUN" flagged TW_NESTED (exported, not summed into the
 * pool) in their volume's aggregate (a FlexGroup's: its first part's; none
 * when the volume is unknown); provisioned = space.size, consumed =
 * space.used, thin = !space.guarantee.reserved (else !requested), wwn =
 * serial_number as given. */
tw_err ontap_map_luns(const json_t *root, struct snap_builder *b, char *msg, size_t msglen);
/* _links.next.href of a collection page: 1 and *href (borrowed) when there
 * is a next page, 0 when not, -1 when the link is malformed or leaves the
 * API (absolute URL, not starting with '/'). */
int ontap_next_href(const json_t *root, const char **href);
/* The page hrefs read in one poll (pagination loop detection, at most
 * 4096 pages).  ontap_pages_add: 0 when href is new (remembered), 1 when it
 * was read before in this poll (a loop), -1 when the page limit is
 * reached, -2 when out of memory.  _reset forgets every href. */
struct ontap_pages;
struct ontap_pages *ontap_pages_new(void);
int ontap_pages_add(struct ontap_pages *pg, const char *href);
void ontap_pages_reset(struct ontap_pages *pg);
void ontap_pages_free(struct ontap_pages *pg);
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

/* ---- HPE 3PAR / Primera WSAPI (drv_hpe3par.c); sizes in MiB ---- */
tw_err hpe3par_map_system(const json_t *root, struct snap_builder *b, char *msg, size_t msglen);
/* GET /api/v1/cpgs: one pool per CPG; used = UsrUsage + SDUsage usedMiB;
 * capacity (and free) only when SDGrowth.limitMiB is set. */
tw_err hpe3par_map_cpgs(const json_t *root, struct snap_builder *b, char *msg, size_t msglen);
/* POST /api/v1/spacereporter for one CPG (pool index): free =
 * usableFreeMiB, capacity = used + free. */
tw_err hpe3par_map_spacereport(const json_t *root, struct snap_builder *b, uint32_t pool,
			       char *msg, size_t msglen);
/* GET /api/v1/volumes: base volumes only (copyType 1), userSpace.usedMiB
 * or totalUsedMiB, provisioningType 1 thick / 2, 6 thin. */
tw_err hpe3par_map_volumes(const json_t *root, struct snap_builder *b, char *msg, size_t msglen);
void hpe3par_error_text(const json_t *root, char *out, size_t outlen);

/* ---- Huawei OceanStor DeviceManager (drv_oceanstor.c); sector strings ---- */
/* error.code of an answer: 1 and *code when present, 0 when absent, -1 when
 * malformed. */
int oceanstor_error_code(const json_t *root, int64_t *code);
void oceanstor_error_text(const json_t *root, char *out, size_t outlen);
/* GET /system/: SECTORSIZE (default 512) into *sector, identity. */
tw_err oceanstor_map_system(const json_t *root, struct snap_builder *b, uint64_t *sector,
			    char *msg, size_t msglen);
/* One page of /storagepool or /lun; *rows = rows in the page (0 = no more).
 * Sentinels (2^64-1, -1) leave a figure unknown. */
tw_err oceanstor_map_pools(const json_t *root, struct snap_builder *b, uint64_t sector,
			   size_t *rows, char *msg, size_t msglen);
tw_err oceanstor_map_luns(const json_t *root, struct snap_builder *b, uint64_t sector,
			  size_t *rows, char *msg, size_t msglen);

/* ---- Dell PowerStore (drv_powerstore.c) ---- */
struct rj_idmap;
tw_err powerstore_map_cluster(const json_t *root, struct snap_builder *b, char *msg,
			      size_t msglen);
/* GET /api/rest/appliance: one pool per appliance (named by its name),
 * appliance id -> pool recorded in ids. */
tw_err powerstore_map_appliances(const json_t *root, struct snap_builder *b, struct rj_idmap *ids,
				 char *msg, size_t msglen);
/* POST /api/rest/metrics/generate (space_metrics_by_appliance): the last
 * sample's physical_total / physical_used. */
tw_err powerstore_map_space(const json_t *root, struct snap_builder *b, uint32_t pool, char *msg,
			    size_t msglen);
/* GET /api/rest/volume page: snapshots skipped, all thin, pool by appliance_id. */
tw_err powerstore_map_volumes(const json_t *root, struct snap_builder *b,
			      const struct rj_idmap *ids, char *msg, size_t msglen);
/* "first-last/total" -> 0, or -1 when malformed. */
int powerstore_content_range(const char *h, uint64_t *first, uint64_t *last, uint64_t *total);
void powerstore_error_text(const json_t *root, char *out, size_t outlen);

/* ---- IBM Storage Virtualize (drv_ibmsv.c); byte strings ({"bytes":true}) ---- */
tw_err ibmsv_map_system(const json_t *root, struct snap_builder *b, char *msg, size_t msglen);
/* lsmdiskgrp: pools, virtual_capacity as the array's provisioned figure. */
tw_err ibmsv_map_pools(const json_t *root, struct snap_builder *b, char *msg, size_t msglen);
/* lsvdisk: one volume per vdisk (mirrored ones once, pool "many" pending). */
tw_err ibmsv_map_vdisks(const json_t *root, struct snap_builder *b, char *msg, size_t msglen);
/* lsvdiskcopy: the primary copy gives pool and thin flag. */
tw_err ibmsv_map_copies(const json_t *root, struct snap_builder *b, char *msg, size_t msglen);
/* lssevdiskcopy: consumed = real_capacity of the counted thin copy. */
tw_err ibmsv_map_secopies(const json_t *root, struct snap_builder *b, char *msg, size_t msglen);
/* First line of a plain-text CLI error ("CMMVC5753E ..."), printable. */
void ibmsv_error_text(const char *body, size_t len, char *out, size_t outlen);

/* ---- Dell EMC Unity (drv_unity.c) ---- */
tw_err unity_map_system(const json_t *root, struct snap_builder *b, char *msg, size_t msglen);
/* pool instances page: sizeSubscribed as the array's provisioned figure;
 * pool id -> pool recorded in ids. */
tw_err unity_map_pools(const json_t *root, struct snap_builder *b, struct rj_idmap *ids,
		       char *msg, size_t msglen);
tw_err unity_map_luns(const json_t *root, struct snap_builder *b, const struct rj_idmap *ids,
		      char *msg, size_t msglen);
/* 1 when links has rel "next". */
int unity_has_next(const json_t *root);
void unity_error_text(const json_t *root, char *out, size_t outlen);

#endif
