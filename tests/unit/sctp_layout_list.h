/*
 * What tests/unit/sctp_h_layout_braid.c compares between <braid/sctp.h> and
 * Linux's <netinet/sctp.h>. Each of the two translation units includes one of
 * the headers (they cannot share one: both define the same names) and then
 * this file, and expands the lists below into tables that the braid side
 * compares entry by entry.
 *
 * SCTP_LAYOUT_LIST(T, M, F): T(type) is a structure, M(type, member) one of
 * its members, F(type, member) a flexible array member (element size).
 * SCTP_CONST_LIST(C): every constant both headers define.
 * SCTP_EXPR_LIST(E): the function-like macros and a few type facts, evaluated.
 */
#ifndef BRAID_TEST_SCTP_LAYOUT_LIST_H
#define BRAID_TEST_SCTP_LAYOUT_LIST_H

#include <stddef.h>
#include <stdint.h>

struct sctp_layout_entry {
    const char *type;
    const char *member; /* "" for the structure itself */
    long long offset;   /* for the structure: its alignment */
    long long size;     /* for a flexible array: the element size */
    int kind;           /* SCTP_KIND_*: signedness class of an integer member */
};

struct sctp_const_entry {
    const char *name;
    long long value;
};

enum {
    SCTP_KIND_TYPE = -1,  /* the entry is the structure itself */
    SCTP_KIND_OTHER = 0,  /* structure, union or pointer member */
    SCTP_KIND_SIGNED = 1, /* signed integer */
    SCTP_KIND_UNSIGNED = 2,
    SCTP_KIND_CHAR = 3
};

/* Signedness class of an expression's type (not evaluated). */
/* clang-format off */
#define SCTP_KIND_OF(e)                                                                            \
    _Generic((e),                                                                                  \
        char: SCTP_KIND_CHAR,                                                                      \
        signed char: SCTP_KIND_SIGNED,                                                             \
        short: SCTP_KIND_SIGNED,                                                                   \
        int: SCTP_KIND_SIGNED,                                                                     \
        long: SCTP_KIND_SIGNED,                                                                    \
        long long: SCTP_KIND_SIGNED,                                                               \
        unsigned char: SCTP_KIND_UNSIGNED,                                                         \
        unsigned short: SCTP_KIND_UNSIGNED,                                                        \
        unsigned int: SCTP_KIND_UNSIGNED,                                                          \
        unsigned long: SCTP_KIND_UNSIGNED,                                                         \
        unsigned long long: SCTP_KIND_UNSIGNED,                                                    \
        default: SCTP_KIND_OTHER)
/* clang-format on */

#define SCTP_LAYOUT_T_(type)                                                                       \
    {#type, "", (long long)_Alignof(type), (long long)sizeof(type), SCTP_KIND_TYPE},
#define SCTP_LAYOUT_M_(type, m)                                                                    \
    {#type, #m, (long long)offsetof(type, m), (long long)sizeof(((type *)0)->m),                   \
     SCTP_KIND_OF(((type *)0)->m)},
#define SCTP_LAYOUT_F_(type, m)                                                                    \
    {#type, #m "[]", (long long)offsetof(type, m), (long long)sizeof(((type *)0)->m[0]),           \
     SCTP_KIND_OF(((type *)0)->m[0])},
#define SCTP_CONST_(name) {#name, (long long)(name)},

/* clang-format off */
#define SCTP_LAYOUT_LIST(T, M, F) \
    T(struct sctp_initmsg) \
    M(struct sctp_initmsg, sinit_num_ostreams) \
    M(struct sctp_initmsg, sinit_max_instreams) \
    M(struct sctp_initmsg, sinit_max_attempts) \
    M(struct sctp_initmsg, sinit_max_init_timeo) \
    T(struct sctp_sndrcvinfo) \
    M(struct sctp_sndrcvinfo, sinfo_stream) \
    M(struct sctp_sndrcvinfo, sinfo_ssn) \
    M(struct sctp_sndrcvinfo, sinfo_flags) \
    M(struct sctp_sndrcvinfo, sinfo_ppid) \
    M(struct sctp_sndrcvinfo, sinfo_context) \
    M(struct sctp_sndrcvinfo, sinfo_timetolive) \
    M(struct sctp_sndrcvinfo, sinfo_tsn) \
    M(struct sctp_sndrcvinfo, sinfo_cumtsn) \
    M(struct sctp_sndrcvinfo, sinfo_assoc_id) \
    T(struct sctp_sndinfo) \
    M(struct sctp_sndinfo, snd_sid) \
    M(struct sctp_sndinfo, snd_flags) \
    M(struct sctp_sndinfo, snd_ppid) \
    M(struct sctp_sndinfo, snd_context) \
    M(struct sctp_sndinfo, snd_assoc_id) \
    T(struct sctp_rcvinfo) \
    M(struct sctp_rcvinfo, rcv_sid) \
    M(struct sctp_rcvinfo, rcv_ssn) \
    M(struct sctp_rcvinfo, rcv_flags) \
    M(struct sctp_rcvinfo, rcv_ppid) \
    M(struct sctp_rcvinfo, rcv_tsn) \
    M(struct sctp_rcvinfo, rcv_cumtsn) \
    M(struct sctp_rcvinfo, rcv_context) \
    M(struct sctp_rcvinfo, rcv_assoc_id) \
    T(struct sctp_nxtinfo) \
    M(struct sctp_nxtinfo, nxt_sid) \
    M(struct sctp_nxtinfo, nxt_flags) \
    M(struct sctp_nxtinfo, nxt_ppid) \
    M(struct sctp_nxtinfo, nxt_length) \
    M(struct sctp_nxtinfo, nxt_assoc_id) \
    T(struct sctp_prinfo) \
    M(struct sctp_prinfo, pr_policy) \
    M(struct sctp_prinfo, pr_value) \
    T(struct sctp_authinfo) \
    M(struct sctp_authinfo, auth_keynumber) \
    T(sctp_cmsg_data_t) \
    M(sctp_cmsg_data_t, raw) \
    M(sctp_cmsg_data_t, init) \
    M(sctp_cmsg_data_t, sndrcv) \
    T(struct sctp_assoc_change) \
    M(struct sctp_assoc_change, sac_type) \
    M(struct sctp_assoc_change, sac_flags) \
    M(struct sctp_assoc_change, sac_length) \
    M(struct sctp_assoc_change, sac_state) \
    M(struct sctp_assoc_change, sac_error) \
    M(struct sctp_assoc_change, sac_outbound_streams) \
    M(struct sctp_assoc_change, sac_inbound_streams) \
    M(struct sctp_assoc_change, sac_assoc_id) \
    F(struct sctp_assoc_change, sac_info) \
    T(struct sctp_paddr_change) \
    M(struct sctp_paddr_change, spc_type) \
    M(struct sctp_paddr_change, spc_flags) \
    M(struct sctp_paddr_change, spc_length) \
    M(struct sctp_paddr_change, spc_aaddr) \
    M(struct sctp_paddr_change, spc_state) \
    M(struct sctp_paddr_change, spc_error) \
    M(struct sctp_paddr_change, spc_assoc_id) \
    T(struct sctp_remote_error) \
    M(struct sctp_remote_error, sre_type) \
    M(struct sctp_remote_error, sre_flags) \
    M(struct sctp_remote_error, sre_length) \
    M(struct sctp_remote_error, sre_error) \
    M(struct sctp_remote_error, sre_assoc_id) \
    F(struct sctp_remote_error, sre_data) \
    T(struct sctp_send_failed) \
    M(struct sctp_send_failed, ssf_type) \
    M(struct sctp_send_failed, ssf_flags) \
    M(struct sctp_send_failed, ssf_length) \
    M(struct sctp_send_failed, ssf_error) \
    M(struct sctp_send_failed, ssf_info) \
    M(struct sctp_send_failed, ssf_assoc_id) \
    F(struct sctp_send_failed, ssf_data) \
    T(struct sctp_send_failed_event) \
    M(struct sctp_send_failed_event, ssf_type) \
    M(struct sctp_send_failed_event, ssf_flags) \
    M(struct sctp_send_failed_event, ssf_length) \
    M(struct sctp_send_failed_event, ssf_error) \
    M(struct sctp_send_failed_event, ssfe_info) \
    M(struct sctp_send_failed_event, ssf_assoc_id) \
    F(struct sctp_send_failed_event, ssf_data) \
    T(struct sctp_shutdown_event) \
    M(struct sctp_shutdown_event, sse_type) \
    M(struct sctp_shutdown_event, sse_flags) \
    M(struct sctp_shutdown_event, sse_length) \
    M(struct sctp_shutdown_event, sse_assoc_id) \
    T(struct sctp_adaptation_event) \
    M(struct sctp_adaptation_event, sai_type) \
    M(struct sctp_adaptation_event, sai_flags) \
    M(struct sctp_adaptation_event, sai_length) \
    M(struct sctp_adaptation_event, sai_adaptation_ind) \
    M(struct sctp_adaptation_event, sai_assoc_id) \
    T(struct sctp_pdapi_event) \
    M(struct sctp_pdapi_event, pdapi_type) \
    M(struct sctp_pdapi_event, pdapi_flags) \
    M(struct sctp_pdapi_event, pdapi_length) \
    M(struct sctp_pdapi_event, pdapi_indication) \
    M(struct sctp_pdapi_event, pdapi_assoc_id) \
    M(struct sctp_pdapi_event, pdapi_stream) \
    M(struct sctp_pdapi_event, pdapi_seq) \
    T(struct sctp_authkey_event) \
    M(struct sctp_authkey_event, auth_type) \
    M(struct sctp_authkey_event, auth_flags) \
    M(struct sctp_authkey_event, auth_length) \
    M(struct sctp_authkey_event, auth_keynumber) \
    M(struct sctp_authkey_event, auth_altkeynumber) \
    M(struct sctp_authkey_event, auth_indication) \
    M(struct sctp_authkey_event, auth_assoc_id) \
    T(struct sctp_sender_dry_event) \
    M(struct sctp_sender_dry_event, sender_dry_type) \
    M(struct sctp_sender_dry_event, sender_dry_flags) \
    M(struct sctp_sender_dry_event, sender_dry_length) \
    M(struct sctp_sender_dry_event, sender_dry_assoc_id) \
    T(struct sctp_stream_reset_event) \
    M(struct sctp_stream_reset_event, strreset_type) \
    M(struct sctp_stream_reset_event, strreset_flags) \
    M(struct sctp_stream_reset_event, strreset_length) \
    M(struct sctp_stream_reset_event, strreset_assoc_id) \
    F(struct sctp_stream_reset_event, strreset_stream_list) \
    T(struct sctp_assoc_reset_event) \
    M(struct sctp_assoc_reset_event, assocreset_type) \
    M(struct sctp_assoc_reset_event, assocreset_flags) \
    M(struct sctp_assoc_reset_event, assocreset_length) \
    M(struct sctp_assoc_reset_event, assocreset_assoc_id) \
    M(struct sctp_assoc_reset_event, assocreset_local_tsn) \
    M(struct sctp_assoc_reset_event, assocreset_remote_tsn) \
    T(struct sctp_stream_change_event) \
    M(struct sctp_stream_change_event, strchange_type) \
    M(struct sctp_stream_change_event, strchange_flags) \
    M(struct sctp_stream_change_event, strchange_length) \
    M(struct sctp_stream_change_event, strchange_assoc_id) \
    M(struct sctp_stream_change_event, strchange_instrms) \
    M(struct sctp_stream_change_event, strchange_outstrms) \
    T(struct sctp_event_subscribe) \
    M(struct sctp_event_subscribe, sctp_data_io_event) \
    M(struct sctp_event_subscribe, sctp_association_event) \
    M(struct sctp_event_subscribe, sctp_address_event) \
    M(struct sctp_event_subscribe, sctp_send_failure_event) \
    M(struct sctp_event_subscribe, sctp_peer_error_event) \
    M(struct sctp_event_subscribe, sctp_shutdown_event) \
    M(struct sctp_event_subscribe, sctp_partial_delivery_event) \
    M(struct sctp_event_subscribe, sctp_adaptation_layer_event) \
    M(struct sctp_event_subscribe, sctp_authentication_event) \
    M(struct sctp_event_subscribe, sctp_sender_dry_event) \
    M(struct sctp_event_subscribe, sctp_stream_reset_event) \
    M(struct sctp_event_subscribe, sctp_assoc_reset_event) \
    M(struct sctp_event_subscribe, sctp_stream_change_event) \
    M(struct sctp_event_subscribe, sctp_send_failure_event_event) \
    T(union sctp_notification) \
    M(union sctp_notification, sn_header.sn_type) \
    M(union sctp_notification, sn_header.sn_flags) \
    M(union sctp_notification, sn_header.sn_length) \
    M(union sctp_notification, sn_assoc_change) \
    M(union sctp_notification, sn_paddr_change) \
    M(union sctp_notification, sn_remote_error) \
    M(union sctp_notification, sn_send_failed) \
    M(union sctp_notification, sn_shutdown_event) \
    M(union sctp_notification, sn_adaptation_event) \
    M(union sctp_notification, sn_pdapi_event) \
    M(union sctp_notification, sn_authkey_event) \
    M(union sctp_notification, sn_sender_dry_event) \
    M(union sctp_notification, sn_strreset_event) \
    M(union sctp_notification, sn_assocreset_event) \
    M(union sctp_notification, sn_strchange_event) \
    M(union sctp_notification, sn_send_failed_event) \
    T(struct sctp_rtoinfo) \
    M(struct sctp_rtoinfo, srto_assoc_id) \
    M(struct sctp_rtoinfo, srto_initial) \
    M(struct sctp_rtoinfo, srto_max) \
    M(struct sctp_rtoinfo, srto_min) \
    T(struct sctp_assocparams) \
    M(struct sctp_assocparams, sasoc_assoc_id) \
    M(struct sctp_assocparams, sasoc_asocmaxrxt) \
    M(struct sctp_assocparams, sasoc_number_peer_destinations) \
    M(struct sctp_assocparams, sasoc_peer_rwnd) \
    M(struct sctp_assocparams, sasoc_local_rwnd) \
    M(struct sctp_assocparams, sasoc_cookie_life) \
    T(struct sctp_setpeerprim) \
    M(struct sctp_setpeerprim, sspp_assoc_id) \
    M(struct sctp_setpeerprim, sspp_addr) \
    T(struct sctp_prim) \
    M(struct sctp_prim, ssp_assoc_id) \
    M(struct sctp_prim, ssp_addr) \
    T(struct sctp_setprim) \
    M(struct sctp_setprim, ssp_addr) \
    T(struct sctp_setadaptation) \
    M(struct sctp_setadaptation, ssb_adaptation_ind) \
    T(struct sctp_paddrparams) \
    M(struct sctp_paddrparams, spp_assoc_id) \
    M(struct sctp_paddrparams, spp_address) \
    M(struct sctp_paddrparams, spp_hbinterval) \
    M(struct sctp_paddrparams, spp_pathmaxrxt) \
    M(struct sctp_paddrparams, spp_pathmtu) \
    M(struct sctp_paddrparams, spp_sackdelay) \
    M(struct sctp_paddrparams, spp_flags) \
    M(struct sctp_paddrparams, spp_ipv6_flowlabel) \
    M(struct sctp_paddrparams, spp_dscp) \
    T(struct sctp_authchunk) \
    M(struct sctp_authchunk, sauth_chunk) \
    T(struct sctp_hmacalgo) \
    M(struct sctp_hmacalgo, shmac_num_idents) \
    F(struct sctp_hmacalgo, shmac_idents) \
    M(struct sctp_hmacalgo, shmac_number_of_idents) \
    T(struct sctp_authkey) \
    M(struct sctp_authkey, sca_assoc_id) \
    M(struct sctp_authkey, sca_keynumber) \
    M(struct sctp_authkey, sca_keylength) \
    F(struct sctp_authkey, sca_key) \
    T(struct sctp_authkeyid) \
    M(struct sctp_authkeyid, scact_assoc_id) \
    M(struct sctp_authkeyid, scact_keynumber) \
    T(struct sctp_sack_info) \
    M(struct sctp_sack_info, sack_assoc_id) \
    M(struct sctp_sack_info, sack_delay) \
    M(struct sctp_sack_info, sack_freq) \
    T(struct sctp_assoc_value) \
    M(struct sctp_assoc_value, assoc_id) \
    M(struct sctp_assoc_value, assoc_value) \
    T(struct sctp_stream_value) \
    M(struct sctp_stream_value, assoc_id) \
    M(struct sctp_stream_value, stream_id) \
    M(struct sctp_stream_value, stream_value) \
    T(struct sctp_paddrinfo) \
    M(struct sctp_paddrinfo, spinfo_assoc_id) \
    M(struct sctp_paddrinfo, spinfo_address) \
    M(struct sctp_paddrinfo, spinfo_state) \
    M(struct sctp_paddrinfo, spinfo_cwnd) \
    M(struct sctp_paddrinfo, spinfo_srtt) \
    M(struct sctp_paddrinfo, spinfo_rto) \
    M(struct sctp_paddrinfo, spinfo_mtu) \
    T(struct sctp_status) \
    M(struct sctp_status, sstat_assoc_id) \
    M(struct sctp_status, sstat_state) \
    M(struct sctp_status, sstat_rwnd) \
    M(struct sctp_status, sstat_unackdata) \
    M(struct sctp_status, sstat_penddata) \
    M(struct sctp_status, sstat_instrms) \
    M(struct sctp_status, sstat_outstrms) \
    M(struct sctp_status, sstat_fragmentation_point) \
    M(struct sctp_status, sstat_primary) \
    T(struct sctp_authchunks) \
    M(struct sctp_authchunks, gauth_assoc_id) \
    M(struct sctp_authchunks, gauth_number_of_chunks) \
    F(struct sctp_authchunks, gauth_chunks) \
    M(struct sctp_authchunks, guth_number_of_chunks) \
    T(struct sctp_assoc_ids) \
    M(struct sctp_assoc_ids, gaids_number_of_ids) \
    F(struct sctp_assoc_ids, gaids_assoc_id) \
    T(struct sctp_getaddrs_old) \
    M(struct sctp_getaddrs_old, assoc_id) \
    M(struct sctp_getaddrs_old, addr_num) \
    M(struct sctp_getaddrs_old, addrs) \
    T(struct sctp_getaddrs) \
    M(struct sctp_getaddrs, assoc_id) \
    M(struct sctp_getaddrs, addr_num) \
    F(struct sctp_getaddrs, addrs) \
    T(struct sctp_assoc_stats) \
    M(struct sctp_assoc_stats, sas_assoc_id) \
    M(struct sctp_assoc_stats, sas_obs_rto_ipaddr) \
    M(struct sctp_assoc_stats, sas_maxrto) \
    M(struct sctp_assoc_stats, sas_isacks) \
    M(struct sctp_assoc_stats, sas_osacks) \
    M(struct sctp_assoc_stats, sas_opackets) \
    M(struct sctp_assoc_stats, sas_ipackets) \
    M(struct sctp_assoc_stats, sas_rtxchunks) \
    M(struct sctp_assoc_stats, sas_outofseqtsns) \
    M(struct sctp_assoc_stats, sas_idupchunks) \
    M(struct sctp_assoc_stats, sas_gapcnt) \
    M(struct sctp_assoc_stats, sas_ouodchunks) \
    M(struct sctp_assoc_stats, sas_iuodchunks) \
    M(struct sctp_assoc_stats, sas_oodchunks) \
    M(struct sctp_assoc_stats, sas_iodchunks) \
    M(struct sctp_assoc_stats, sas_octrlchunks) \
    M(struct sctp_assoc_stats, sas_ictrlchunks) \
    T(sctp_peeloff_arg_t) \
    M(sctp_peeloff_arg_t, associd) \
    M(sctp_peeloff_arg_t, sd) \
    T(sctp_peeloff_flags_arg_t) \
    M(sctp_peeloff_flags_arg_t, p_arg) \
    M(sctp_peeloff_flags_arg_t, flags) \
    T(struct sctp_paddrthlds) \
    M(struct sctp_paddrthlds, spt_assoc_id) \
    M(struct sctp_paddrthlds, spt_address) \
    M(struct sctp_paddrthlds, spt_pathmaxrxt) \
    M(struct sctp_paddrthlds, spt_pathpfthld) \
    T(struct sctp_paddrthlds_v2) \
    M(struct sctp_paddrthlds_v2, spt_assoc_id) \
    M(struct sctp_paddrthlds_v2, spt_address) \
    M(struct sctp_paddrthlds_v2, spt_pathmaxrxt) \
    M(struct sctp_paddrthlds_v2, spt_pathpfthld) \
    M(struct sctp_paddrthlds_v2, spt_pathcpthld) \
    T(struct sctp_prstatus) \
    M(struct sctp_prstatus, sprstat_assoc_id) \
    M(struct sctp_prstatus, sprstat_sid) \
    M(struct sctp_prstatus, sprstat_policy) \
    M(struct sctp_prstatus, sprstat_abandoned_unsent) \
    M(struct sctp_prstatus, sprstat_abandoned_sent) \
    T(struct sctp_default_prinfo) \
    M(struct sctp_default_prinfo, pr_assoc_id) \
    M(struct sctp_default_prinfo, pr_value) \
    M(struct sctp_default_prinfo, pr_policy) \
    T(struct sctp_info) \
    M(struct sctp_info, sctpi_tag) \
    M(struct sctp_info, sctpi_state) \
    M(struct sctp_info, sctpi_rwnd) \
    M(struct sctp_info, sctpi_unackdata) \
    M(struct sctp_info, sctpi_penddata) \
    M(struct sctp_info, sctpi_instrms) \
    M(struct sctp_info, sctpi_outstrms) \
    M(struct sctp_info, sctpi_fragmentation_point) \
    M(struct sctp_info, sctpi_inqueue) \
    M(struct sctp_info, sctpi_outqueue) \
    M(struct sctp_info, sctpi_overall_error) \
    M(struct sctp_info, sctpi_max_burst) \
    M(struct sctp_info, sctpi_maxseg) \
    M(struct sctp_info, sctpi_peer_rwnd) \
    M(struct sctp_info, sctpi_peer_tag) \
    M(struct sctp_info, sctpi_peer_capable) \
    M(struct sctp_info, sctpi_peer_sack) \
    M(struct sctp_info, __reserved1) \
    M(struct sctp_info, sctpi_isacks) \
    M(struct sctp_info, sctpi_osacks) \
    M(struct sctp_info, sctpi_opackets) \
    M(struct sctp_info, sctpi_ipackets) \
    M(struct sctp_info, sctpi_rtxchunks) \
    M(struct sctp_info, sctpi_outofseqtsns) \
    M(struct sctp_info, sctpi_idupchunks) \
    M(struct sctp_info, sctpi_gapcnt) \
    M(struct sctp_info, sctpi_ouodchunks) \
    M(struct sctp_info, sctpi_iuodchunks) \
    M(struct sctp_info, sctpi_oodchunks) \
    M(struct sctp_info, sctpi_iodchunks) \
    M(struct sctp_info, sctpi_octrlchunks) \
    M(struct sctp_info, sctpi_ictrlchunks) \
    M(struct sctp_info, sctpi_p_address) \
    M(struct sctp_info, sctpi_p_state) \
    M(struct sctp_info, sctpi_p_cwnd) \
    M(struct sctp_info, sctpi_p_srtt) \
    M(struct sctp_info, sctpi_p_rto) \
    M(struct sctp_info, sctpi_p_hbinterval) \
    M(struct sctp_info, sctpi_p_pathmaxrxt) \
    M(struct sctp_info, sctpi_p_sackdelay) \
    M(struct sctp_info, sctpi_p_sackfreq) \
    M(struct sctp_info, sctpi_p_ssthresh) \
    M(struct sctp_info, sctpi_p_partial_bytes_acked) \
    M(struct sctp_info, sctpi_p_flight_size) \
    M(struct sctp_info, sctpi_p_error) \
    M(struct sctp_info, __reserved2) \
    M(struct sctp_info, sctpi_s_autoclose) \
    M(struct sctp_info, sctpi_s_adaptation_ind) \
    M(struct sctp_info, sctpi_s_pd_point) \
    M(struct sctp_info, sctpi_s_nodelay) \
    M(struct sctp_info, sctpi_s_disable_fragments) \
    M(struct sctp_info, sctpi_s_v4mapped) \
    M(struct sctp_info, sctpi_s_frag_interleave) \
    M(struct sctp_info, sctpi_s_type) \
    M(struct sctp_info, __reserved3) \
    T(struct sctp_reset_streams) \
    M(struct sctp_reset_streams, srs_assoc_id) \
    M(struct sctp_reset_streams, srs_flags) \
    M(struct sctp_reset_streams, srs_number_streams) \
    F(struct sctp_reset_streams, srs_stream_list) \
    T(struct sctp_add_streams) \
    M(struct sctp_add_streams, sas_assoc_id) \
    M(struct sctp_add_streams, sas_instrms) \
    M(struct sctp_add_streams, sas_outstrms) \
    T(struct sctp_event) \
    M(struct sctp_event, se_assoc_id) \
    M(struct sctp_event, se_type) \
    M(struct sctp_event, se_on) \
    T(struct sctp_udpencaps) \
    M(struct sctp_udpencaps, sue_assoc_id) \
    M(struct sctp_udpencaps, sue_address) \
    M(struct sctp_udpencaps, sue_port) \
    T(struct sctp_probeinterval) \
    M(struct sctp_probeinterval, spi_assoc_id) \
    M(struct sctp_probeinterval, spi_address) \
    M(struct sctp_probeinterval, spi_interval) \
    T(struct sctp_sendv_spa) \
    M(struct sctp_sendv_spa, sendv_flags) \
    M(struct sctp_sendv_spa, sendv_sndinfo) \
    M(struct sctp_sendv_spa, sendv_prinfo) \
    M(struct sctp_sendv_spa, sendv_authinfo) \
    T(struct sctp_recvv_rn) \
    M(struct sctp_recvv_rn, recvv_rcvinfo) \
    M(struct sctp_recvv_rn, recvv_nxtinfo)

#define SCTP_CONST_LIST(C) \
    C(SCTP_FUTURE_ASSOC) \
    C(SCTP_CURRENT_ASSOC) \
    C(SCTP_ALL_ASSOC) \
    C(SCTP_RTOINFO) \
    C(SCTP_ASSOCINFO) \
    C(SCTP_INITMSG) \
    C(SCTP_NODELAY) \
    C(SCTP_AUTOCLOSE) \
    C(SCTP_SET_PEER_PRIMARY_ADDR) \
    C(SCTP_PRIMARY_ADDR) \
    C(SCTP_ADAPTATION_LAYER) \
    C(SCTP_DISABLE_FRAGMENTS) \
    C(SCTP_PEER_ADDR_PARAMS) \
    C(SCTP_DEFAULT_SEND_PARAM) \
    C(SCTP_EVENTS) \
    C(SCTP_I_WANT_MAPPED_V4_ADDR) \
    C(SCTP_MAXSEG) \
    C(SCTP_STATUS) \
    C(SCTP_GET_PEER_ADDR_INFO) \
    C(SCTP_DELAYED_ACK_TIME) \
    C(SCTP_DELAYED_ACK) \
    C(SCTP_DELAYED_SACK) \
    C(SCTP_CONTEXT) \
    C(SCTP_FRAGMENT_INTERLEAVE) \
    C(SCTP_PARTIAL_DELIVERY_POINT) \
    C(SCTP_MAX_BURST) \
    C(SCTP_AUTH_CHUNK) \
    C(SCTP_HMAC_IDENT) \
    C(SCTP_AUTH_KEY) \
    C(SCTP_AUTH_ACTIVE_KEY) \
    C(SCTP_AUTH_DELETE_KEY) \
    C(SCTP_PEER_AUTH_CHUNKS) \
    C(SCTP_LOCAL_AUTH_CHUNKS) \
    C(SCTP_GET_ASSOC_NUMBER) \
    C(SCTP_GET_ASSOC_ID_LIST) \
    C(SCTP_AUTO_ASCONF) \
    C(SCTP_PEER_ADDR_THLDS) \
    C(SCTP_RECVRCVINFO) \
    C(SCTP_RECVNXTINFO) \
    C(SCTP_DEFAULT_SNDINFO) \
    C(SCTP_AUTH_DEACTIVATE_KEY) \
    C(SCTP_REUSE_PORT) \
    C(SCTP_PEER_ADDR_THLDS_V2) \
    C(SCTP_SOCKOPT_BINDX_ADD) \
    C(SCTP_SOCKOPT_BINDX_REM) \
    C(SCTP_SOCKOPT_PEELOFF) \
    C(SCTP_SOCKOPT_CONNECTX_OLD) \
    C(SCTP_GET_PEER_ADDRS) \
    C(SCTP_GET_LOCAL_ADDRS) \
    C(SCTP_SOCKOPT_CONNECTX) \
    C(SCTP_SOCKOPT_CONNECTX3) \
    C(SCTP_GET_ASSOC_STATS) \
    C(SCTP_PR_SUPPORTED) \
    C(SCTP_DEFAULT_PRINFO) \
    C(SCTP_PR_ASSOC_STATUS) \
    C(SCTP_PR_STREAM_STATUS) \
    C(SCTP_RECONFIG_SUPPORTED) \
    C(SCTP_ENABLE_STREAM_RESET) \
    C(SCTP_RESET_STREAMS) \
    C(SCTP_RESET_ASSOC) \
    C(SCTP_ADD_STREAMS) \
    C(SCTP_SOCKOPT_PEELOFF_FLAGS) \
    C(SCTP_STREAM_SCHEDULER) \
    C(SCTP_STREAM_SCHEDULER_VALUE) \
    C(SCTP_INTERLEAVING_SUPPORTED) \
    C(SCTP_SENDMSG_CONNECT) \
    C(SCTP_EVENT) \
    C(SCTP_ASCONF_SUPPORTED) \
    C(SCTP_AUTH_SUPPORTED) \
    C(SCTP_ECN_SUPPORTED) \
    C(SCTP_EXPOSE_POTENTIALLY_FAILED_STATE) \
    C(SCTP_EXPOSE_PF_STATE) \
    C(SCTP_REMOTE_UDP_ENCAPS_PORT) \
    C(SCTP_PLPMTUD_PROBE_INTERVAL) \
    C(SCTP_PR_SCTP_NONE) \
    C(SCTP_PR_SCTP_TTL) \
    C(SCTP_PR_SCTP_RTX) \
    C(SCTP_PR_SCTP_PRIO) \
    C(SCTP_PR_SCTP_MAX) \
    C(SCTP_PR_SCTP_MASK) \
    C(SCTP_ENABLE_RESET_STREAM_REQ) \
    C(SCTP_ENABLE_RESET_ASSOC_REQ) \
    C(SCTP_ENABLE_CHANGE_ASSOC_REQ) \
    C(SCTP_ENABLE_STRRESET_MASK) \
    C(SCTP_STREAM_RESET_INCOMING) \
    C(SCTP_STREAM_RESET_OUTGOING) \
    C(MSG_NOTIFICATION) \
    C(SCTP_INIT) \
    C(SCTP_SNDRCV) \
    C(SCTP_SNDINFO) \
    C(SCTP_RCVINFO) \
    C(SCTP_NXTINFO) \
    C(SCTP_PRINFO) \
    C(SCTP_AUTHINFO) \
    C(SCTP_DSTADDRV4) \
    C(SCTP_DSTADDRV6) \
    C(SCTP_ADDR_PF) \
    C(SCTP_AUTH_NEWKEY) \
    C(SCTP_STREAM_RESET_INCOMING_SSN) \
    C(SCTP_STREAM_RESET_OUTGOING_SSN) \
    C(SCTP_STREAM_RESET_DENIED) \
    C(SCTP_STREAM_RESET_FAILED) \
    C(SCTP_ASSOC_RESET_DENIED) \
    C(SCTP_ASSOC_RESET_FAILED) \
    C(SCTP_ASSOC_CHANGE_DENIED) \
    C(SCTP_ASSOC_CHANGE_FAILED) \
    C(SCTP_STREAM_CHANGE_DENIED) \
    C(SCTP_STREAM_CHANGE_FAILED) \
    C(SCTP_DATA_IO_EVENT) \
    C(SCTP_ASSOC_CHANGE) \
    C(SCTP_PEER_ADDR_CHANGE) \
    C(SCTP_SEND_FAILED) \
    C(SCTP_REMOTE_ERROR) \
    C(SCTP_SHUTDOWN_EVENT) \
    C(SCTP_PARTIAL_DELIVERY_EVENT) \
    C(SCTP_ADAPTATION_INDICATION) \
    C(SCTP_AUTHENTICATION_INDICATION) \
    C(SCTP_SENDER_DRY_EVENT) \
    C(SCTP_STREAM_RESET_EVENT) \
    C(SCTP_ASSOC_RESET_EVENT) \
    C(SCTP_STREAM_CHANGE_EVENT) \
    C(SCTP_SEND_FAILED_EVENT) \
    C(SCTP_SN_TYPE_MAX) \
    C(SCTP_POTENTIALLY_FAILED) \
    C(SCTP_BINDX_ADD_ADDR) \
    C(SCTP_BINDX_REM_ADDR) \
    C(SOL_SCTP) \
    C(IPPROTO_SCTP) \
    C(SCTP_SEND_SNDINFO_VALID) \
    C(SCTP_SEND_PRINFO_VALID) \
    C(SCTP_SEND_AUTHINFO_VALID) \
    C(SCTP_UNORDERED) \
    C(SCTP_ADDR_OVER) \
    C(SCTP_ABORT) \
    C(SCTP_SACK_IMMEDIATELY) \
    C(SCTP_SENDALL) \
    C(SCTP_PR_SCTP_ALL) \
    C(SCTP_NOTIFICATION) \
    C(SCTP_EOF) \
    C(SCTP_COMM_UP) \
    C(SCTP_COMM_LOST) \
    C(SCTP_RESTART) \
    C(SCTP_SHUTDOWN_COMP) \
    C(SCTP_CANT_STR_ASSOC) \
    C(SCTP_ADDR_AVAILABLE) \
    C(SCTP_ADDR_UNREACHABLE) \
    C(SCTP_ADDR_REMOVED) \
    C(SCTP_ADDR_ADDED) \
    C(SCTP_ADDR_MADE_PRIM) \
    C(SCTP_ADDR_CONFIRMED) \
    C(SCTP_ADDR_POTENTIALLY_FAILED) \
    C(SCTP_DATA_UNSENT) \
    C(SCTP_DATA_SENT) \
    C(SCTP_PARTIAL_DELIVERY_ABORTED) \
    C(SCTP_AUTH_NEW_KEY) \
    C(SCTP_AUTH_FREE_KEY) \
    C(SCTP_AUTH_NO_AUTH) \
    C(SCTP_SN_TYPE_BASE) \
    C(SCTP_AUTHENTICATION_EVENT) \
    C(SCTP_FAILED_THRESHOLD) \
    C(SCTP_RECEIVED_SACK) \
    C(SCTP_HEARTBEAT_SUCCESS) \
    C(SCTP_RESPONSE_TO_USER_REQ) \
    C(SCTP_INTERNAL_ERROR) \
    C(SCTP_SHUTDOWN_GUARD_EXPIRES) \
    C(SCTP_PEER_FAULTY) \
    C(SPP_HB_ENABLE) \
    C(SPP_HB_DISABLE) \
    C(SPP_HB) \
    C(SPP_HB_DEMAND) \
    C(SPP_PMTUD_ENABLE) \
    C(SPP_PMTUD_DISABLE) \
    C(SPP_PMTUD) \
    C(SPP_SACKDELAY_ENABLE) \
    C(SPP_SACKDELAY_DISABLE) \
    C(SPP_SACKDELAY) \
    C(SPP_HB_TIME_IS_ZERO) \
    C(SPP_IPV6_FLOWLABEL) \
    C(SPP_DSCP) \
    C(SCTP_AUTH_HMAC_ID_SHA1) \
    C(SCTP_AUTH_HMAC_ID_SHA256) \
    C(SCTP_INACTIVE) \
    C(SCTP_PF) \
    C(SCTP_ACTIVE) \
    C(SCTP_UNCONFIRMED) \
    C(SCTP_UNKNOWN) \
    C(SCTP_EMPTY) \
    C(SCTP_CLOSED) \
    C(SCTP_COOKIE_WAIT) \
    C(SCTP_COOKIE_ECHOED) \
    C(SCTP_ESTABLISHED) \
    C(SCTP_SHUTDOWN_PENDING) \
    C(SCTP_SHUTDOWN_SENT) \
    C(SCTP_SHUTDOWN_RECEIVED) \
    C(SCTP_SHUTDOWN_ACK_SENT) \
    C(SCTP_SS_FCFS) \
    C(SCTP_SS_DEFAULT) \
    C(SCTP_SS_PRIO) \
    C(SCTP_SS_RR) \
    C(SCTP_SS_MAX) \
    C(SCTP_SENDV_NOINFO) \
    C(SCTP_SENDV_SNDINFO) \
    C(SCTP_SENDV_PRINFO) \
    C(SCTP_SENDV_AUTHINFO) \
    C(SCTP_SENDV_SPA) \
    C(SCTP_RECVV_NOINFO) \
    C(SCTP_RECVV_RCVINFO) \
    C(SCTP_RECVV_NXTINFO) \
    C(SCTP_RECVV_RN)


#define SCTP_EXPR_LIST(E) \
    E(SCTP_PR_INDEX(TTL)) \
    E(SCTP_PR_INDEX(RTX)) \
    E(SCTP_PR_INDEX(PRIO)) \
    E(SCTP_PR_POLICY(0xffff)) \
    E(SCTP_PR_POLICY(0x0025)) \
    E(SCTP_PR_TTL_ENABLED(0x0011)) \
    E(SCTP_PR_TTL_ENABLED(0x0020)) \
    E(SCTP_PR_RTX_ENABLED(0x0021)) \
    E(SCTP_PR_RTX_ENABLED(0x0030)) \
    E(SCTP_PR_PRIO_ENABLED(0x0031)) \
    E(SCTP_PR_PRIO_ENABLED(0x0010)) \
    E(sizeof(sctp_assoc_t)) \
    E((sctp_assoc_t)-1 < 0) \
    E(sizeof(sctp_cmsg_t)) \
    E(sizeof(sctp_sn_error_t)) \
    E(sizeof(enum sctp_sinfo_flags)) \
    E(sizeof(enum sctp_sac_state)) \
    E(sizeof(enum sctp_spc_state)) \
    E(sizeof(enum sctp_ssf_flags)) \
    E(sizeof(enum sctp_sn_type)) \
    E(sizeof(enum sctp_spp_flags)) \
    E(sizeof(enum sctp_spinfo_state)) \
    E(sizeof(enum sctp_sstat_state)) \
    E(sizeof(enum sctp_sched_type))
/* clang-format on */

/* Tables of the Linux side (sctp_layout_linux.c). */
extern const struct sctp_layout_entry sctp_layout_linux[];
extern const size_t sctp_layout_linux_count;
extern const struct sctp_const_entry sctp_consts_linux[];
extern const size_t sctp_consts_linux_count;
extern const struct sctp_const_entry sctp_exprs_linux[];
extern const size_t sctp_exprs_linux_count;
/* SCTP_PR_SET_POLICY applied to a uint16_t, on the Linux side. */
long long sctp_set_policy_linux(uint16_t flags, uint16_t policy);

/* The lksctp functions as Linux declares them. Each translation unit repeats
 * these after its own header: a declaration that differs does not compile. */
int sctp_bindx(int sd, struct sockaddr *addrs, int addrcnt, int flags);
int sctp_connectx(int sd, struct sockaddr *addrs, int addrcnt, sctp_assoc_t *id);
int sctp_peeloff(int sd, sctp_assoc_t assoc_id);
int sctp_peeloff_flags(int sd, sctp_assoc_t assoc_id, unsigned flags);
int sctp_opt_info(int sd, sctp_assoc_t id, int opt, void *arg, socklen_t *size);
int sctp_getpaddrs(int sd, sctp_assoc_t id, struct sockaddr **addrs);
int sctp_freepaddrs(struct sockaddr *addrs);
int sctp_getladdrs(int sd, sctp_assoc_t id, struct sockaddr **addrs);
int sctp_freeladdrs(struct sockaddr *addrs);
int sctp_sendmsg(int s, const void *msg, size_t len, struct sockaddr *to, socklen_t tolen,
                 uint32_t ppid, uint32_t flags, uint16_t stream_no, uint32_t timetolive,
                 uint32_t context);
int sctp_send(int s, const void *msg, size_t len, const struct sctp_sndrcvinfo *sinfo, int flags);
int sctp_recvmsg(int s, void *msg, size_t len, struct sockaddr *from, socklen_t *fromlen,
                 struct sctp_sndrcvinfo *sinfo, int *msg_flags);
int sctp_getaddrlen(sa_family_t family);
int sctp_sendv(int s, const struct iovec *iov, int iovcnt, struct sockaddr *addrs, int addrcnt,
               void *info, socklen_t infolen, unsigned int infotype, int flags);
int sctp_recvv(int s, const struct iovec *iov, int iovlen, struct sockaddr *from,
               socklen_t *fromlen, void *info, socklen_t *infolen, unsigned int *infotype,
               int *flags);

#endif
