namespace Candor.Core.Audit;

/// <summary>The vocabulary <see cref="ProbeGenerator"/> draws from, per language: kinds of request with their templates,
/// slot values and sentences for supplied texts. The bank is in the source, like any relay's code; what keeps probes
/// unrecognisable is that each is one draw among very many under a secret seed, and that the bank is ordinary traffic.</summary>
internal sealed class ProbeBank
{
    /// <summary>One kind of request and its templates.</summary>
    public sealed record Kind(string Name, string[] Templates);

    public required bool Chinese { get; init; }

    public required Kind[] Kinds { get; init; }

    public required string[] LongAnswer { get; init; }

    public required string[] Topics { get; init; }

    public required string[] Things { get; init; }

    public required string[] Audiences { get; init; }

    public required string[] Places { get; init; }

    public required string[] Forms { get; init; }

    public required string[] Tasks { get; init; }

    public required string[] Sentences { get; init; }

    public required string[] Systems { get; init; }

    /// <summary>Ways to open a request (one drawn per probe, often none).</summary>
    public required string[] Openers { get; init; }

    /// <summary>Ways to close it.</summary>
    public required string[] Closers { get; init; }

    public static IReadOnlyList<string> ProgrammingLanguages { get; } = ["Python", "JavaScript", "TypeScript", "Go", "Rust", "C#", "Java", "SQL", "Bash", "Kotlin"];

    public static IReadOnlyList<double> Temperatures { get; } = [0, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 1, 1.2];

    public static IReadOnlyList<double> TopPs { get; } = [0.8, 0.9, 0.95, 1];

    public static IReadOnlyList<ProbeTool> Tools { get; } =
    [
        new("get_weather", "Get the current weather for a city", """{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city"]}"""),
        new("search_docs", "Search the product documentation", """{"type":"object","properties":{"query":{"type":"string"},"limit":{"type":"integer"}},"required":["query"]}"""),
        new("calculate", "Evaluate an arithmetic expression", """{"type":"object","properties":{"expression":{"type":"string"}},"required":["expression"]}"""),
        new("lookup_order", "Look up an order by its number", """{"type":"object","properties":{"order_id":{"type":"string"}},"required":["order_id"]}"""),
        new("convert_currency", "Convert an amount between currencies", """{"type":"object","properties":{"amount":{"type":"number"},"from":{"type":"string"},"to":{"type":"string"}},"required":["amount","from","to"]}"""),
    ];

    public static ProbeBank English { get; } = new()
    {
        Chinese = false,
        Kinds =
        [
            new("story", ["Write a short {form} about {topic}.", "Tell me a {form} set in {place} about {thing}.", "Can you write a {form} for {audience} about {topic}?"]),
            new("explain", ["Explain {topic} to {audience}.", "How does {thing} work?", "Why is {topic} important for {audience}?", "What is the difference between {thing} and {topic}?"]),
            new("list", ["List {n} things you would find in {place}.", "Give me {n} ideas for {task}.", "What are {n} common mistakes people make with {thing}?"]),
            new("advice", ["I need help with {task}. Where should I start?", "Any tips for {task} in {place}?", "How can {audience} get better at {topic}?"]),
            new("compare", ["Compare {thing} and {topic} in a few sentences.", "What are the pros and cons of {thing}?", "Which is better for {audience}: {thing} or {topic}?"]),
            new("summary", ["Summarise this in {n} sentences:", "TL;DR of the following text please:", "Give me the key points of this:"]),
            new("code", ["Write a {language} function that {task}.", "How do I {task} in {language}?", "Fix this {language} snippet so that it {task}: x = input(); print(x"]),
            new("translate", ["Translate into French: {sentence}", "Translate to Spanish: {sentence}", "Rewrite more formally: {sentence}"]),
            new("chat", ["hi", "thanks! one more question: what about {topic}?", "Can you help me understand {thing}?", "ok. and how does that apply to {place}?"]),
            new("tool", ["What's the weather like in {place} today?", "Find the docs about {thing}.", "How much is {num} * {num}?", "Where is my order {order}?"]),
        ],
        LongAnswer =
        [
            "Write a long essay on the history of {thing}.", "Count from one to one hundred in words.", "Write a detailed guide to {task}.",
            "Describe {place} in as much detail as you can.", "Write a long {form} about {topic}.", "Explain {topic} step by step, in depth.",
        ],
        Topics =
        [
            "photosynthesis", "compound interest", "the French revolution", "black holes", "supply chains", "sourdough baking", "climate models",
            "vaccines", "the stock market", "jazz improvisation", "plate tectonics", "machine translation", "urban gardening", "sleep",
            "the Roman roads", "renewable energy", "inflation", "chess openings", "bird migration", "public key cryptography", "volcanoes",
            "remote work", "coral reefs", "the printing press", "electric cars", "marathon training", "tea ceremonies", "recycling",
            "ocean tides", "medieval castles", "neural networks", "the immune system", "minimalism", "tax brackets", "glaciers", "origami",
        ],
        Things =
        [
            "a suspension bridge", "a bicycle gear", "a heat pump", "a refrigerator", "a compass", "a database index", "a sailboat",
            "a credit score", "a vaccine", "a solar panel", "a lighthouse", "a mechanical watch", "paper", "a spreadsheet", "a hash table",
            "a violin", "a wind turbine", "a coffee grinder", "a library card", "GPS", "a thermostat", "a printing press", "a mortgage",
        ],
        Audiences = ["a child", "a beginner", "a retired engineer", "my grandmother", "a high-school student", "a busy manager", "a nurse", "a new employee"],
        Places = ["a village market", "a harbor at dawn", "Tokyo", "a mountain valley", "a train station", "Lisbon", "a school library", "a night bus", "Nairobi", "a bakery"],
        Forms = ["story", "poem", "haiku", "limerick", "dialogue", "letter", "fable", "news report", "song", "diary entry"],
        Tasks =
        [
            "planning a small wedding", "learning to cook", "saving for a house", "writing a CV", "reverses a string", "parses a date",
            "removes duplicates from a list", "reads a CSV file", "sorts a list of records by date", "training for a 10k run",
            "organising a team offsite", "keeping houseplants alive", "starting a podcast", "counts the words in a file",
        ],
        Sentences =
        [
            "The river carried stones and light through the valley.", "Our meeting is moved to Thursday because of the holiday.",
            "The new library opens at nine and closes late on weekends.", "Prices rose again this month, mostly for food and rent.",
            "She finished the report before the deadline and went for a walk.", "Please send the invoice to the accounting team by Friday.",
            "The museum has a new exhibit about {topic}.", "Most visitors to {place} come in the summer.", "He explained {thing} with a simple drawing.",
            "The committee agreed to review {topic} next year.", "Rain is expected in {place} for the rest of the week.",
            "Researchers published a study on {topic} last spring.", "The old factory was turned into apartments and a small park.",
        ],
        Systems =
        [
            "You are a helpful assistant.", "You are a concise assistant. Answer briefly.", "You are a friendly tutor.",
            "You are an expert software engineer.", "Answer in plain language.",
        ],
        Openers = ["", "", "", "Hi! ", "Quick question: ", "Hey, ", "Hello. ", "Please help: ", "I have a question. ", "So, ", "Ok, ", "Can you help? "],
        Closers =
        [
            "", "", "", " Thanks!", " Thank you.", " Keep it short.", " Please be detailed.", " Be concise.", " :)", " Explain your reasoning.",
            " No bullet points please.", " Thanks in advance.",
        ],
    };

    public static ProbeBank ChineseBank { get; } = new()
    {
        Chinese = true,
        Kinds =
        [
            new("story", ["写一篇关于{topic}的短{form}。", "请以{place}为背景写一个关于{thing}的{form}。"]),
            new("explain", ["请向{audience}解释{topic}。", "{thing}是怎么工作的？", "{topic}为什么重要？"]),
            new("list", ["列出{n}个在{place}能看到的东西。", "给我{n}个关于{task}的建议。"]),
            new("advice", ["我想{task}，应该从哪里开始？", "{audience}怎样才能更好地了解{topic}？"]),
            new("compare", ["比较一下{thing}和{topic}。", "{thing}有哪些优点和缺点？"]),
            new("summary", ["用{n}句话总结下面的内容：", "请概括以下文字的要点："]),
            new("code", ["用{language}写一个函数，{task}。", "在{language}里怎么{task}？"]),
            new("translate", ["翻译成英文：{sentence}", "把这句话改得更正式：{sentence}"]),
            new("chat", ["你好", "谢谢！那{topic}呢？", "能帮我理解一下{thing}吗？"]),
            new("tool", ["{place}今天天气怎么样？", "帮我查一下订单{order}在哪里。"]),
        ],
        LongAnswer = ["详细写一篇关于{thing}历史的长文。", "用中文从一数到一百。", "请非常详细地描述{place}。", "一步一步深入讲解{topic}。"],
        Topics = ["光合作用", "复利", "黑洞", "供应链", "疫苗", "股票市场", "板块构造", "机器翻译", "睡眠", "可再生能源", "通货膨胀", "围棋", "候鸟迁徙", "火山", "远程办公", "珊瑚礁", "印刷术", "电动汽车", "免疫系统", "茶道"],
        Things = ["悬索桥", "自行车变速器", "热泵", "冰箱", "指南针", "数据库索引", "帆船", "太阳能板", "灯塔", "机械表", "纸", "电子表格", "风力发电机", "温控器"],
        Audiences = ["小孩子", "初学者", "退休工程师", "我奶奶", "高中生", "新同事"],
        Places = ["山谷里的早晨", "菜市场", "上海", "火车站", "海边小镇", "图书馆", "夜班公交车上"],
        Forms = ["故事", "诗", "对话", "信", "寓言", "日记"],
        Tasks = ["学做饭", "准备简历", "反转一个字符串", "解析日期", "去掉列表里的重复元素", "读取CSV文件", "训练跑十公里", "养好室内植物"],
        Sentences =
        [
            "河水带着石头和光穿过山谷。", "因为放假，我们的会议改到星期四。", "新图书馆九点开门，周末很晚才关门。", "这个月物价又涨了，主要是食物和房租。",
            "博物馆有一个关于{topic}的新展览。", "大多数游客夏天来{place}。", "他用一张简单的图解释了{thing}。", "研究人员去年春天发表了一篇关于{topic}的论文。",
        ],
        Systems = ["你是一个乐于助人的助手。", "请简洁地回答。", "你是一位耐心的老师。"],
        Openers = ["", "", "你好，", "请问", "麻烦问一下，", "我想问个问题：", "在吗？", "您好！"],
        Closers = ["", "", "谢谢！", "简单说说就行。", "请详细一点。", "多谢。", "不要用列表。"],
    };
}
