#ifndef FERRY_COPENSSL_SHIM_H
#define FERRY_COPENSSL_SHIM_H

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <time.h>

/* OpenSSL 3 spells many helpers as macros, which Swift cannot import: these wrap them. */

static inline int ferry_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

static inline int ferry_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}

static inline int ferry_TLS1_2_VERSION(void) { return TLS1_2_VERSION; }
static inline int ferry_TLS1_3_VERSION(void) { return TLS1_3_VERSION; }

static inline int ferry_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

static inline void ferry_SSL_CTX_set_client_session_cache(SSL_CTX *ctx) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
}

static inline void ferry_SSL_CTX_set_options(SSL_CTX *ctx) {
    /* Treat a TCP close without close_notify as the end of the stream (many FTP servers end data
       connections that way) rather than as a fatal error, which would send an alert into a closed
       connection; whoever reads is told apart by `ferry_watch_close_notify`. */
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_AUTO_RETRY);
}

static void ferry_note_close_notify(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl, void *arg) {
    (void)version;
    (void)ssl;
    if (!write_p && content_type == SSL3_RT_ALERT && len >= 2 && ((const unsigned char *)buf)[1] == SSL_AD_CLOSE_NOTIFY) {
        *(int *)arg = 1;
    }
}

/* Sets `*received` to 1 once a close_notify alert arrives on `ssl`: with
   SSL_OP_IGNORE_UNEXPECTED_EOF, OpenSSL reports a TCP close without one as the same end. */
static inline void ferry_watch_close_notify(SSL *ssl, int *received) {
    SSL_set_msg_callback(ssl, ferry_note_close_notify);
    SSL_set_msg_callback_arg(ssl, received);
}

static inline const char *ferry_SSL_get_cipher_name(const SSL *ssl) {
    return SSL_CIPHER_get_name(SSL_get_current_cipher(ssl));
}

static inline void ferry_OPENSSL_free(void *pointer) { OPENSSL_free(pointer); }

/* Writes the DNS and IP subject alternative names of a certificate into `buffer`, separated by
   ", ", truncated to fit; returns how many names there were. */
static inline int ferry_subject_alt_names(X509 *cert, char *buffer, size_t size) {
    if (size == 0) return 0;
    buffer[0] = 0;
    GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    if (names == NULL) return 0;
    int count = sk_GENERAL_NAME_num(names);
    size_t used = 0;
    for (int i = 0; i < count; i++) {
        const GENERAL_NAME *name = sk_GENERAL_NAME_value(names, i);
        char text[64];
        text[0] = 0;
        if (name->type == GEN_DNS) {
            const unsigned char *data = ASN1_STRING_get0_data(name->d.dNSName);
            int length = ASN1_STRING_length(name->d.dNSName);
            snprintf(text, sizeof text, "DNS:%.*s", length > 50 ? 50 : length, (const char *)data);
        } else if (name->type == GEN_IPADD) {
            const unsigned char *data = ASN1_STRING_get0_data(name->d.iPAddress);
            int length = ASN1_STRING_length(name->d.iPAddress);
            if (length == 4) snprintf(text, sizeof text, "IP:%d.%d.%d.%d", data[0], data[1], data[2], data[3]);
            else if (length == 16) snprintf(text, sizeof text, "IP:(IPv6)");
        }
        if (text[0] == 0) continue;
        int written = snprintf(buffer + used, size - used, "%s%s", used ? ", " : "", text);
        if (written < 0 || (size_t)written >= size - used) break;
        used += (size_t)written;
    }
    GENERAL_NAMES_free(names);
    return count;
}

/* The certificate's notAfter time as "YYYY-MM-DD HH:MM:SS UTC"; 0 when it cannot be read. */
static inline int ferry_not_after(X509 *cert, char *buffer, size_t size) {
    struct tm time;
    if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &time) != 1) return 0;
    return (int)strftime(buffer, size, "%Y-%m-%d %H:%M:%S UTC", &time);
}

#endif
