package demo

// Word lists of the seeded world. Letters only, so an email's local part
// "first.last" is unique exactly when the name pair is.

var firstNames = []string{
	"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
	"William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
	"Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony", "Margaret", "Mark", "Sandra",
	"Donald", "Ashley", "Steven", "Kimberly", "Paul", "Emily", "Andrew", "Donna", "Joshua", "Michelle",
	"Kevin", "Carol", "Brian", "Amanda", "George", "Melissa", "Timothy", "Deborah", "Ronald", "Stephanie",
	"Edward", "Rebecca", "Jason", "Laura", "Ryan", "Cynthia", "Jacob", "Kathleen", "Gary", "Amy",
	"Nicholas", "Angela", "Eric", "Shirley", "Jonathan", "Anna", "Stephen", "Brenda", "Larry", "Pamela",
	"Justin", "Emma", "Scott", "Nicole", "Brandon", "Helen", "Benjamin", "Samantha", "Samuel", "Katherine",
	"Aisha", "Mateo", "Yuki", "Priya", "Lars", "Ingrid", "Wei", "Fatima", "Olumide", "Sofia",
	"Diego", "Amara", "Hiroshi", "Leila", "Nikolai", "Zara", "Tomas", "Chioma", "Arjun", "Elif",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
	"Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
	"Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
	"Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
	"Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes",
	"Stewart", "Morris", "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper",
	"Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson",
	"Watson", "Brooks", "Chavez", "Wood", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes", "Price",
	"Alvarez", "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez", "Okafor",
}

// Company names are a prefix and an industry: "Acme Robotics".
var companyPrefixes = []string{
	"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Northwind", "Contoso", "Fabrikam", "Litware",
	"Tailspin", "Adatum", "Proseware", "Wingtip", "Lumen", "Quantum", "Helix", "Summit", "Vertex", "Pioneer",
	"Silverline", "Redwood", "Bluefin", "Ironclad", "Brightside", "Evergreen", "Cobalt", "Juniper", "Orbit", "Keystone",
}

var companyIndustries = []string{
	"Robotics", "Logistics", "Analytics", "Foods", "Health", "Labs", "Systems", "Energy", "Media", "Capital",
	"Dynamics", "Networks", "Software", "Industries", "Solutions", "Partners", "Ventures", "Biotech", "Aerospace", "Retail",
	"Insurance", "Security", "Studios", "Motors", "Pharma", "Telecom", "Consulting", "Cloud", "Freight", "Farms",
}

var plans = []string{"free", "team", "business", "enterprise"}

var locales = []string{"en-US", "en-GB", "de-DE", "fr-FR", "es-ES", "ja-JP", "pt-BR", "nl-NL"}
