package themes

// stopWords are dropped before stemming: English function words (the
// Snowball English list, contractions written with and without the
// apostrophe) plus the filler of sales notes, words that appear in nearly
// every piece of feedback and so say nothing about why a deal went one way.
var stopWords = setOf(
	// Snowball English stop words.
	"a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are",
	"as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but",
	"by", "can", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from",
	"further", "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him",
	"himself", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "me", "more",
	"most", "my", "myself", "no", "nor", "not", "of", "off", "on", "once", "only", "or", "other",
	"ought", "our", "ours", "ourselves", "out", "over", "own", "same", "she", "should", "so",
	"some", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then",
	"there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up",
	"very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why",
	"with", "would", "you", "your", "yours", "yourself", "yourselves", "could",
	// Contractions, with the apostrophe removed by the tokeniser.
	"im", "youre", "hes", "shes", "its", "were", "theyre", "ive", "youve", "weve", "theyve",
	"youd", "hed", "theyd", "youll",
	"theyll", "isnt", "arent", "wasnt", "werent", "hasnt", "havent", "hadnt", "doesnt", "dont",
	"didnt", "wont", "wouldnt", "shant", "shouldnt", "cant", "cannot", "couldnt", "mustnt",
	"lets", "thats", "whos", "whats", "heres", "theres", "whens", "wheres", "whys", "hows",
	"ain", "aren", "couldn", "didn", "doesn", "don", "hadn", "hasn", "haven", "isn", "mightn",
	"mustn", "needn", "shan", "shouldn", "wasn", "weren", "wouldn",
	// Other function words common in notes and chat.
	"also", "just", "will", "shall", "may", "might", "must", "us", "via", "per", "etc", "eg",
	"ie", "vs", "versus", "yet", "every", "many", "much", "another", "anyone", "anything",
	"someone", "something", "everyone", "everything", "nothing", "none", "since", "though",
	"although", "however", "whether", "either", "neither", "within", "without", "upon",
	"onto", "across", "along", "among", "around", "behind", "beside", "besides", "beyond",
	"toward", "towards", "whose", "whatever", "whenever", "wherever", "else", "ever", "even",
	"quite", "rather", "really", "actually", "basically", "literally", "simply", "probably",
	"maybe", "perhaps", "pretty", "yes", "yeah", "ok", "okay", "hi", "hey", "hello", "thanks",
	"thank", "please", "pls", "plz", "fyi", "btw", "lol", "one", "two", "three",
	// Sales filler: present in nearly every record, so it carries no theme.
	"deal", "deals", "prospect", "prospects", "customer", "customers", "client", "clients",
	"team", "teams", "company", "companies", "opportunity", "opportunities", "opp", "opps",
	"rep", "reps", "said", "say", "says", "told", "tell", "mentioned", "mention", "felt", "feel",
	"think", "thought", "get", "got", "getting", "gets", "go", "going", "goes", "went", "gone",
	"like", "thing", "things", "lot", "lots", "bit", "kind", "sort", "way", "stuff",
)

func setOf(words ...string) map[string]struct{} {
	m := make(map[string]struct{}, len(words))
	for _, w := range words {
		m[w] = struct{}{}
	}
	return m
}
