// Package themes is vosbot's offline theme engine. It needs no network and gives the
// same output for the same input and seed.
//
// Method:
//
//  1. Normalise (Normalize): Unicode-aware words, lower case; URLs, e-mail addresses,
//     numbers and Slack mentions dropped; English stop words and sales filler ("deal",
//     "prospect", "customer"…) dropped; sales shorthand expanded (CW → closed won,
//     POC → proof of concept, SSO → single sign on…); words stemmed with the Snowball
//     English (Porter2) stemmer.
//  2. Features: TF-IDF over stems and stem bigrams (no bigram across a sentence break),
//     sublinear term frequency (1 + ln tf), smoothed idf, rows L2-normalised. Terms in
//     fewer than two texts are dropped on corpora large enough to afford it.
//  3. Discovery (Cluster): the TF-IDF rows are reduced to 150 latent dimensions by
//     truncated SVD (LSA: a randomised range finder with power iterations, the basis
//     renormalised by LU, then Rayleigh–Ritz from two small Gram matrices),
//     re-normalised to unit length, and grouped by k-means on the unit sphere with
//     greedy k-means++ seeding and ten restarts run in parallel (on a sample for large
//     inputs), keeping the tightest; Lloyd's rounds use Elkan's triangle-inequality
//     bounds, which skip most products and never change an assignment. Centroids keep
//     the length of their mean by default, so texts with little to go by gather in one
//     short-centroid group, reported as mixed, rather than diluting every topic;
//     ClusterOptions.Spherical normalises them instead. k is given, or chosen by the
//     best cosine silhouette over a grid of candidates on a sample. Each group is
//     labelled with its most distinctive terms by class-based TF-IDF, labels unique
//     within a run.
//  4. Tagging (Tagger): each catalogue theme becomes a prototype vector from its name,
//     description, keyword hints and examples already tagged by people; a text gets the
//     themes whose cosine similarity (plus a bonus for each keyword phrase it contains)
//     clears a threshold, at most three, dominant first, and none rather than a forced
//     guess.
package themes
