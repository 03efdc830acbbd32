using TraceReplay.Core.Interning;
using Xunit;

namespace TraceReplay.Tests.Core;

public sealed class ShortBytesTests
{
    [Fact]
    public void AgreesWithSequenceEqualForEveryLengthAndEveryDifferingByte()
    {
        var random = new Random(7);
        for (int n = 0; n <= 80; n++)
        {
            var a = new byte[n + 3];
            random.NextBytes(a);
            var b = (byte[])a.Clone();
            // spans that start one byte into their arrays: the loads must not rely on alignment
            Assert.True(ShortBytes.Equal(a.AsSpan(1, n), b.AsSpan(1, n)));
            for (int i = 0; i < n; i++)
            {
                b[1 + i] ^= (byte)(1 << (i % 8));
                Assert.False(ShortBytes.Equal(a.AsSpan(1, n), b.AsSpan(1, n)), $"length {n}, byte {i} differs");
                b[1 + i] = a[1 + i];
            }
            // bytes outside the spans never count
            b[0] ^= 0xff;
            b[n + 1] ^= 0xff;
            Assert.True(ShortBytes.Equal(a.AsSpan(1, n), b.AsSpan(1, n)));
            if (n > 0)
                Assert.False(ShortBytes.Equal(a.AsSpan(1, n), b.AsSpan(1, n - 1)));
        }
    }

    [Fact]
    public void CopiesEveryLengthExactlyAndNothingAfterIt()
    {
        var random = new Random(11);
        for (int n = 0; n <= 80; n++)
        {
            var source = new byte[n + 2];
            random.NextBytes(source);
            var destination = new byte[n + 5];
            Array.Fill(destination, (byte)0xA5);
            ShortBytes.Copy(source.AsSpan(1, n), destination.AsSpan(2));
            Assert.Equal(source.AsSpan(1, n).ToArray(), destination.AsSpan(2, n).ToArray());
            Assert.Equal(new byte[] { 0xA5, 0xA5 }, destination.AsSpan(0, 2).ToArray());
            Assert.Equal(new byte[] { 0xA5, 0xA5, 0xA5 }, destination.AsSpan(n + 2).ToArray());
        }
    }
}
