/* profile.h: SNMP profiles -- data, not code -- that say which scalars and
 * table columns of a vendor MIB mean array info, pools and volumes, in what
 * units, and how volumes link to pools (format: docs/profiles.md).
 *
 * A profile is loaded from YAML (errors name file:line:col), says which OIDs
 * to fetch (profile_targets(), fed to snmp_walk), and maps what came back to
 * the data model with profile_map(): a pure function of the profile and a
 * walk_result, so vendor mapping is unit-tested on hand-built results.
 *
 * Profile references: a bare name ("netapp") resolves to NAME.yml in the
 * first directory of a search list that has it; anything containing '/' or
 * ending in ".yml"/".yaml" is a path.  "auto" is resolved per target by
 * the driver: it fetches sysObjectID.0 and sysDescr.0 and picks the first
 * profile (search order, then file name) whose `match:` applies, falling
 * back to the profile named "host-resources".  A `match:` may also ask
 * for OIDs the agent must answer (oid_present), so the driver GETs the
 * set's probe OIDs (profile_set_probes) and picks with
 * profile_set_pick_result().
 *
 * A profile may also be written inline in the config (`profile:` as a
 * mapping): cfg.c validates it in place with profile_load_node(), so
 * errors name the config file's line, and keeps its YAML re-serialized by
 * profile_node_yaml() for the driver to load with profile_load_text(). */
#ifndef TW_PROFILE_H
#define TW_PROFILE_H

#include <stddef.h>
#include <stdint.h>
#include "tw.h"
#include "model.h"
#include "snmp_walk.h"

struct profile;

/* Load and validate; *out untouched on error. */
tw_err profile_load_file(const char *path, struct profile **out, char *msg, size_t msglen);
tw_err profile_load_string(const char *name, const char *text, size_t len, struct profile **out,
			   char *msg, size_t msglen);
/* Load from a node of an already parsed document (an inline profile in
 * the config): errors name d's file, line and column; label is what
 * profile_file() returns; default_name is used when there is no `name:`. */
struct ydoc;
struct ynode;
tw_err profile_load_node(const struct ydoc *d, const struct ynode *n, const char *label,
			 const char *default_name, struct profile **out, char *msg, size_t msglen);
/* n and everything below it as YAML text (flow style, every scalar double
 * quoted) that profile_load_text() reads back to the same tree. */
struct buf;
tw_err profile_node_yaml(const struct ynode *n, struct buf *out);
/* As profile_load_string, with label as the name in messages and
 * profile_file(), and default_name used when the text has no `name:`
 * (the driver loads an inline profile this way, default "inline"). */
tw_err profile_load_text(const char *label, const char *default_name, const char *text,
			 size_t len, struct profile **out, char *msg, size_t msglen);
void profile_free(struct profile *p); /* NULL-safe */

const char *profile_name(const struct profile *p);
const char *profile_file(const struct profile *p);
const char *profile_description(const struct profile *p); /* may be "" */
/* What the profile cannot tell (e.g. "pool capacity is not in the MIB"):
 * logged when the profile is chosen.  May be "". */
const char *profile_limitations(const struct profile *p);

/* What to fetch: GETs for info scalars, one SUBTREE walk per distinct
 * table column.  Owned by the profile. */
const struct walk_target *profile_targets(const struct profile *p, size_t *n);

/* 1 if ref names a file rather than a profile in the search dirs. */
int profile_ref_is_path(const char *ref);
/* Find the file for ref: a path as given, or DIR/ref.yml in the first of
 * dirs (NULL-terminated; NULL entries skipped) that has it.  *path_out is
 * malloc'd.  TW_ERR_NOT_FOUND lists the directories searched. */
tw_err profile_resolve(const char *ref, const char *const *dirs, size_t ndirs, char **path_out,
		       char *msg, size_t msglen);

/* `profile: auto` support. */
int profile_has_match(const struct profile *p);
/* Does p's match apply?  sysoid may be NULL/0 and descr NULL when the
 * agent did not answer them; a rule on a missing value does not apply. */
int profile_matches(const struct profile *p, const uint32_t *sysoid, size_t len, const char *descr);

/* Every profile in dirs (in order; a name seen in an earlier dir hides
 * later ones; within a dir by file name).  Files that fail to load are
 * logged at warn and skipped. */
struct profile_set;
tw_err profile_set_load(const char *const *dirs, size_t ndirs, struct profile_set **out,
			char *msg, size_t msglen);
void profile_set_free(struct profile_set *s); /* NULL-safe */
size_t profile_set_count(const struct profile_set *s);
const struct profile *profile_set_get(const struct profile_set *s, size_t i);
/* First profile with a match that applies, else the one named
 * "host-resources", else NULL. */
const struct profile *profile_set_pick(const struct profile_set *s, const uint32_t *sysoid,
				       size_t len, const char *descr);
/* Detection GETs for a set: sysObjectID.0, sysDescr.0 and every
 * match.oid_present OID of its profiles (malloc'd array in *out). */
tw_err profile_set_probes(const struct profile_set *s, struct walk_target **out, size_t *n);
/* Does p's match apply to a result of those GETs? */
int profile_matches_result(const struct profile *p, const struct walk_result *r);
/* As profile_set_pick, from a result of profile_set_probes' GETs. */
const struct profile *profile_set_pick_result(const struct profile_set *s,
					      const struct walk_result *r);

/* What a mapping did, for logs: counts, and the first reason a row was
 * skipped or a figure dropped. */
struct profile_stats {
	size_t pools, volumes;
	size_t rows_filtered;    /* left out by a row filter (normal) */
	size_t rows_skipped;     /* left out by a sanity rule */
	size_t figures_invalid;  /* figures dropped (TW_HAS_* cleared) */
	size_t links_unresolved; /* volumes whose pool could not be found */
	size_t volumes_nested;   /* volumes inside other volumes (exported, not summed) */
	size_t volumes_merged;   /* duplicate rows merged into one volume */
	char note[256];
};

/* Map a walk result into the builder: array info (vendor, model, serial,
 * version, profile name), pools, volumes.  Figures that break a sanity
 * rule are dropped (their TW_HAS_* flag stays clear) or their row skipped,
 * as the profile says; mapping itself still succeeds (drv_snmp then fails
 * the poll with invalid_data when figures_invalid > 0, keeping the last good
 * data; rows a profile declares `skip` do not fail it).  Errors:
 * TW_ERR_NOMEM only.  st may be NULL. */
tw_err profile_map(const struct profile *p, const struct walk_result *r, struct snap_builder *b,
		   struct profile_stats *st, char *msg, size_t msglen);

#endif
