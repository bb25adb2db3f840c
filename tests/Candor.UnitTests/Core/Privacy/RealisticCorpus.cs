namespace Candor.UnitTests.Core.Privacy;

/// <summary>A second corpus, written by hand and apart from <see cref="LabelledCorpus"/> and the scanner's rules: texts
/// as people paste them into a prompt — source code, .env files, YAML, logs, CSV rows, shell sessions, chat in
/// Chinese and English, e-mails, support tickets — with their entities marked <c>«type:value»</c> and everything
/// unmarked a negative, many of them hard (order and tracking numbers that pass Luhn, versions, OIDs, hashes, UUIDs,
/// timestamps, template placeholders, code references, image and package names). The values are made up with valid
/// check digits (GB 11643, GB 32100, Luhn) and real region, issuer and country codes.</summary>
internal static class RealisticCorpus
{
    /// <summary>The texts, each with a short name of where such a text comes from.</summary>
    public static IReadOnlyList<(string Source, string Text)> Samples { get; } =
    [
        ("python, OpenAI client", """
            import os
            from openai import OpenAI

            client = OpenAI(api_key="«secret:sk-proj-Xq7LmT2vR9sKp4WnB8cYdF3hJ6gA1zE0uQ5»")
            resp = client.chat.completions.create(model="gpt-4o-2024-08-06", max_tokens=1024, temperature=0.2)
            print(resp.usage.total_tokens)  # 1532
            """),
        ("python, key from the environment", """
            api_key = os.getenv("OPENAI_API_KEY")
            token = None
            headers = {"Authorization": f"Bearer {api_key}", "X-Request-Id": "550e8400-e29b-41d4-a716-446655440000"}
            """),
        ("C#, checkout test with a running total", """
            decimal total = 0m;
            foreach (var line in cart.Lines) { total += line.Price; }
            if (total > 0) { total += fee; Charge("«bank_card:5425139099603088»"); }
            var result = await gateway.ChargeAsync("«bank_card:6228485260181590832»", total);
            Assert.Equal(4539, result.Code); // sum of 12 lines, order 4539016613186095 kept for the refund test
            """),
        ("python, supplier sync", """
            total = 0
            for row in rows: total += row.qty; supplier = lookup("«cn_uscc:91440300MA5F3K7Q2E»")
            result = "«cn_uscc:91110108MA01B2C3D0»"  # 北京供应商
            """),
        ("node, stripe", """
            const stripe = require('stripe')('«secret:sk_live_51HqLyjWDarjtT1zdp7dcXk2Ab9mNq»');
            // see ticket 4905162294866283608 before moving this to the vault
            await stripe.charges.create({ amount: 2000, currency: 'usd', source: 'tok_visa' });
            """),
        (".env file", """
            # production
            DATABASE_URL=postgres://«secret:app:Tr0ub4dor&3x»@db.internal:5432/app
            REDIS_PASSWORD=«secret:h7Kq2mPz9W»
            SMTP_USER=«email:noreply@mail.example-shop.com»
            OPENAI_API_KEY=
            AWS_ACCESS_KEY_ID=«secret:AKIAQ3EGRT5YJ7LMN2PX»
            AWS_SECRET_ACCESS_KEY=«secret:wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8vLk2aHs»
            PORT=8080
            LOG_LEVEL=debug
            """),
        (".env template", """
            DB_PASSWORD=${DB_PASSWORD}
            API_TOKEN=<your-token-here>
            SECRET_KEY=changeme
            JWT_SECRET=
            PASSWORD=********
            """),
        ("spring YAML", """
            spring:
              datasource:
                url: jdbc:mysql://«ip:10.12.3.45»:3306/orders?useSSL=false
                username: orders_rw
                password: «secret:Qw3rty!2024»
              redis:
                host: «ip:172.16.8.21»
                port: 6379
            server:
              port: 8080
            """),
        ("kubernetes YAML", """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: billing-api
            spec:
              replicas: 3
              template:
                spec:
                  containers:
                    - name: api
                      image: registry.example.com/billing/api@sha256:9b2c6f0e1d4a7c3b8e5f2a1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b
                      resources:
                        limits: { cpu: "500m", memory: 512Mi }
                      env:
                        - name: GITHUB_TOKEN
                          value: «secret:ghp_R8sT2uV4wX6yZ8aB0cD2eF4gH6iJ8kL0mN2o»
            """),
        ("docker compose", """
            services:
              db:
                image: postgres:16.2
                environment:
                  POSTGRES_PASSWORD: «secret:s3cr3tPg!»
                  POSTGRES_USER: postgres
                ports:
                  - "5432:5432"
            """),
        ("java log", """
            2024-11-03 14:22:07,113 INFO  [http-nio-8080-exec-7] c.a.o.OrderController - order 6200161055008754755 created for user 10086, client=«ip:203.0.113.77» ua="Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0.6099.129"
            2024-11-03 14:22:07,458 WARN  [pool-2-thread-1] c.a.n.SmsSender - send failed to «phone:+86 139 1762 0481», retry 1/3
            2024-11-03 14:22:08,002 ERROR [pool-2-thread-1] c.a.n.MailSender - bounce from «email:zhao.min@corp.example.cn»: 550 5.1.1 user unknown
            """),
        ("nginx access log", """
            «ip:198.51.100.23» - - [03/Nov/2024:14:22:07 +0800] "GET /api/v1/orders?page=2 HTTP/1.1" 200 5123 "-" "curl/8.4.0"
            «ip:2408:8207:18a1:4c90::1f» - - [03/Nov/2024:14:22:09 +0800] "POST /login HTTP/2.0" 302 0 "-" "okhttp/4.12.0"
            """),
        ("shell session", """
            $ ip addr show eth0
                inet «ip:192.168.31.104»/24 brd «ip:192.168.31.255» scope global dynamic eth0
                inet6 «ip:fe80::a00:27ff:fe4e:66a1»/64 scope link
            $ git clone git@github.com:acme/payments.git && cd payments
            $ npm install lodash@4.17.21 @types/node@20.11.5
            $ dotnet --version
            8.0.100
            """),
        ("curl with a bearer token", """
            curl https://api.example.com/v2/invoices \
              -H "Authorization: Bearer «secret:eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIiwiZXhwIjoxNzMzNDUyODAwfQ.Kx8vJ2mQ9pL4rT7wZ1nB5cF0hD3gA6sE»" \
              -H "Content-Type: application/json"
            """),
        ("curl with a bare bearer value", """
            curl -s https://llm.internal/v1/models -H 'Authorization: Bearer «secret:f3Kq9ZpL2vX8mR4tW7yB1nC6»'
            # the same call with a placeholder: -H 'Authorization: Bearer $TOKEN'
            """),
        ("connection string with a raw hash", """
            我们的连接串是 mongodb://«secret:admin:Zx#91kq@Lm»@mongo-0.example.net:27017/admin?replicaSet=rs0 ，为什么连不上？
            """),
        ("connection string template", """
            Format: postgres://{user}:{password}@{host}:{port}/{db}, e.g. postgres://user:<password>@localhost/test
            """),
        ("Chinese chat, contact details", """
            你好，我的手机号是«phone:13817264590»，邮箱«email:wang.lei@163.com»，麻烦把发票寄到公司，谢谢！
            """),
        ("Chinese chat, ID and card", """
            身份证号码：«cn_id:110105198503122210»，开户行招商银行，卡号«bank_card:6225 8852 6018 1599»，户名王磊。
            """),
        ("Chinese chat, spaced ID", """
            帮我核对一下这个身份证 «cn_id:310115 19920707 4271» 和 «cn_id:440305-19780123-6147» 是不是同一个地区的
            """),
        ("Chinese chat, order numbers", """
            淘宝订单号：4905162294866283608，物流单号 SF1398234567812，交易流水号6200161055008754755，一共 128.50 元。
            """),
        ("Chinese chat, landline", """
            公司前台电话«phone:(010) 6598 2231»，传真«phone:010-65982232»，上海分部«phone:021 5081 7766»。
            """),
        ("Chinese, company code", """
            开票信息：名称 北京星河科技有限公司，统一社会信用代码«cn_uscc:91110108MA01C3NK4C»，开户行 工商银行 账号«bank_card:6228480830166131862»
            """),
        ("Chinese, company code without a cue", """
            供应商：«cn_uscc:91310115MA1K3YJ82P» 上海；«cn_uscc:91440300MA5F2Q7W1U» 深圳
            """),
        ("Chinese, passport", """
            出差人员：李娜，护照号码：«passport:E72839164»，有效期至 2031-05-20；王强，护照 «passport:EH4172635»。
            """),
        ("English, passport", """
            Traveller: Emily Carter, Passport No: «passport:533380006», nationality USA, DOB 1987-04-12.
            """),
        ("CSV rows", """
            id,name,phone,email,city,signup
            1001,张伟,«phone:13912345678»,«email:zhangwei88@qq.com»,北京,2024-03-15 10:22:31
            1002,李娜,«phone:+86 186 0123 4567»,«email:lina.dev@gmail.com»,上海,2024-03-16 09:01:02
            1003,Tom Lee,«phone:+1 (415) 555-0132»,«email:tom.lee@example.org»,San Francisco,2024-03-17 18:45:00
            """),
        ("CSV of order amounts (negatives)", """
            order_id,sku,qty,unit_price,total,created_at
            4905162294866283608,SKU-88213,2,19.99,39.98,1733452800123
            5301177992298369572,SKU-10045,1,249.00,249.00,1733452861004
            """),
        ("international numbers in a signature", """
            Best regards,
            Sophie Martin | Account Manager
            Mobile «phone:+33 6 42 18 90 57» | Office «phone:+49 30 2123 4567» | Tokyo desk «phone:+81 3-5412-7788»
            «email:sophie.martin@example.fr»
            """),
        ("Asia-Pacific numbers", """
            Singapore office «phone:+65 6123 4567», Hong Kong «phone:+852 2123 4567», London «phone:+44 20 3318 0041».
            """),
        ("payment support ticket", """
            Customer says the card «bank_card:4539 8698 7973 0919» was charged twice (txn 5301177992298369572).
            Backup card on file: «bank_card:5425568151884477», exp 09/27. Amex «bank_card:3714 753477 87686» declined.
            """),
        ("Diners and UnionPay", """
            Diners «bank_card:3056 671475 1363» and UnionPay «bank_card:6222978809320819671» are both accepted at checkout.
            """),
        ("arithmetic (negatives)", """
            >>> 123456789 * 36681
            4528518277509
            >>> 98765432 * 50000001 + 3
            4938271698765435
            """),
        ("versions and OIDs (negatives)", """
            [assembly: AssemblyVersion("1.8.2.0")]
            <FileVersion>4.0.30319.42000</FileVersion>
            The certificate policy OID is 1.3.6.1.4.1.311.21.7 and the firmware version 2.4.10.3.
            """),
        ("git log (negatives)", """
            commit 3f9a1c2e8b7d6f5a4c3b2a1908f7e6d5c4b3a291
            Author: Jane Doe <«email:jane.doe@example.com»>
            Date:   Tue Nov 5 10:21:33 2024 +0100

                Bump version to 2.14.0 (+104473819 bytes, -2210 lines)
            """),
        ("CSS and images (negatives)", """
            .logo { background: url("icon@2x.png"); width: 128px; color: #1a2b3c; }
            @media (min-width: 768px) { .hero { margin: 0 auto; } }
            """),
        ("timestamps and ids (negatives)", """
            {"id": 1798234567890123456, "created": 1733452800, "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span": "00f067aa0ba902b7"}
            """),
        ("assignments without a secret (negatives)", """
            password_hash = bcrypt.hashpw(password.encode(), salt)
            token_count: 2048
            max_tokens = 4096
            secret_santa = ["alice", "bob"]
            if not config.password:
                raise ValueError("password: required")
            """),
        ("Chinese password chat", """
            WiFi 密码：«secret:Lx82kq!Zt» ，路由器后台密码是«secret:admin8866»，别外传。密码错误 3 次会锁定。
            """),
        ("Slack and placeholder tokens", """
            SLACK_BOT_TOKEN=«secret:xoxb-2048-4096-AbCdEfGhIjKlMnOpQrStUv»
            # docs example: xoxb-your-token
            """),
        ("provider keys in a chat", """
            我用的是智谱的 key «secret:3f6a9b2c8d1e4f7a0b5c9d2e6f1a8b3c.Kp7xQ2mZ9rT4wL1v»，还有 Groq «secret: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»
            npm 发布用 «secret:npm_aB3cD5eF7gH9iJ1kL3mN5oP7qR9sT1uV3wX5»，Hugging Face «secret:hf_QwErTyUiOpAsDfGhJkLzXcVbNm12345678»
            """),
        ("private key", """
            the deploy key is:
            «secret:-----BEGIN OPENSSH PRIVATE KEY-----
            b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
            QyNTUxOQAAACBq8tLx4mTz0iS0q1r3n7v9lXk2YJ0y5GJk7w3M8p4mQAAAAJgAAAAA
            -----END OPENSSH PRIVATE KEY-----»
            """),
        ("email thread, non-ASCII addresses", """
            抄送：«email:刘洋2024@gmail.com»；俄罗斯同事 «email:дмитрий@почта.рф»；新域名邮箱 «email:bob@公司.cn» 和 «email:info@例子.中国»。
            """),
        ("mentions and decorators (negatives)", """
            @app.route("/api/users/<int:user_id>")
            def get_user(user_id): ...
            Thanks @OpenAI and @anthropic-ai! Install with pip install requests==2.31.0
            """),
        ("markdown table", """
            | 姓名 | 手机 | 邮箱 |
            |---|---|---|
            | 陈静 | «phone:15921876543» | «email:chenjing@example.com.cn» |
            | 周杰 | «phone:177 0123 4567» | «email:zhoujie_1990@126.com» |
            """),
        ("IPv6 and MAC (negatives around)", """
            DHCP lease: mac 00:1A:2B:3C:4D:5E, address «ip:2001:db8:85a3::8a2e:370:7334», gateway «ip:10.0.0.1», lease 86400s, time 12:30:45
            """),
        ("spec headings and error codes (negatives)", """
            3.2.1.4 Retry policy
            If the upstream returns E20240315 or E10054, the relay retries once; see RFC 9110 section 15.6.4.
            QQ 群 628394751，微信号 wx_20241203。
            """),
        ("URLs with contact data", """
            https://crm.example.com/search?phone=«phone:13671234567»&email=«email:li.ming%40example.com»&page=1
            mailto:«email:support@example.co.uk»?subject=Refund%20order%2012345
            """),
        ("network config", """
            allow «ip:10.0.0.0»/8;
            allow «ip:172.16.0.0»/12;
            deny all;
            upstream backend { server «ip:192.168.10.21»:8080 weight=5; server «ip:192.168.10.22»:8080; }
            """),
        ("Chinese form", """
            申请人：赵敏　性别：女　出生日期：1990年8月15日
            身份证号：«cn_id:510107196904157623»　联系电话：«phone:0571-8702 3366»　手机：«phone:18655443322»
            家庭住址：浙江省杭州市西湖区文三路 90 号 2 单元 301 室，邮编 310012
            """),
        ("ID with X and a wrong one (negative)", """
            两个证件号：«cn_id:11010519491231002X» 是对的；110105198503121230 校验位不对，请让客户重新提供。
            """),
        ("international with extension and local formats", """
            Call «phone:+1 212-555-0187» ext. 204, or our Sydney team on «phone:+61 2 9374 4000». Fax: (212) 555-0199.
            """),
        ("JSON API payload", """
            {"user": {"name": "Wei Zhang", "email": "«email:wei.zhang@example.com»", "phone": "«phone:+8613912345678»"},
             "payment": {"card_number": "«bank_card:4716141707536453»", "exp": "12/26", "order_no": "6200161055008754755"},
             "meta": {"ip": "«ip:100.64.12.9»", "app_version": "3.12.0.1", "build": 20241203}}
            """),
        ("meeting notes", """
            Q3 revenue grew 12% to 4,580,000 USD; headcount 214 → 236. Next review on 2024-12-06 at 10:30 (room 3.14).
            第三季度收入增长 12%，达到 458 万美元；下次复盘 12 月 6 日上午 10:30。
            """),
    ];
}
