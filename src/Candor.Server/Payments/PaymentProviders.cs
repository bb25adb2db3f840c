using Candor.Core.Configuration;
using Candor.Core.Payments;

namespace Candor.Server.Payments;

/// <summary>The payment providers the configuration offers, by name, with the section's shared terms. Built once at
/// start (a change of <c>payments</c> needs a restart).</summary>
internal sealed class PaymentProviders(PaymentSettings settings, IReadOnlyList<IPaymentProvider> providers) : IDisposable
{
    public PaymentSettings Settings => settings;

    /// <summary>The provider a checkout uses when the request names none: the first configured.</summary>
    public IPaymentProvider Default => providers[0];

    /// <summary>The provider of that name, or null.</summary>
    public IPaymentProvider? Find(string name) => providers.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal));

    /// <summary>Registers the configured providers and the store's payments (with a data directory only). Nothing
    /// when the configuration has no <c>payments</c> section or it names no provider.</summary>
    public static void Add(IServiceCollection services, CandorConfig config)
    {
        if (config.Payments is not { Stripe: not null } settings)
        {
            return;
        }

        services.AddSingleton<IPaymentStore>(sp => sp.GetRequiredService<Storage.RelationalStore>());
        services.AddSingleton(sp =>
        {
            var time = sp.GetRequiredService<TimeProvider>();
            var list = new List<IPaymentProvider>();
            if (settings.Stripe is { } stripe)
            {
                list.Add(new StripeCheckoutProvider(stripe, time));
            }

            return new PaymentProviders(settings, list);
        });
    }

    /// <summary>Releases the providers' HTTP clients.</summary>
    public void Dispose()
    {
        foreach (var provider in providers)
        {
            (provider as IDisposable)?.Dispose();
        }
    }
}
