<?xml version="1.0" encoding="utf-8"?>
<!--
  What a person sees on opening one of our RSS feeds in a browser: what a feed is, how to
  follow it, and its latest stories, instead of a page of XML. Feed readers never read
  this: the feeds name it in an <?xml-stylesheet?> line (articles/feeds.py), which only
  browsers act on.

  It links the site's own stylesheets, found next to this file (whose address the feed
  gives): the feed's Content-Security-Policy allows no inline styles, and none are needed.
-->
<xsl:stylesheet version="1.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:atom="http://www.w3.org/2005/Atom"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  exclude-result-prefixes="atom dc">
  <xsl:output method="html" version="5.0" encoding="utf-8" indent="yes"/>

  <!-- The static folder: this file's address (from the feed's stylesheet line) up to its name. -->
  <xsl:variable name="stylesheet-line" select="/processing-instruction('xml-stylesheet')[contains(., 'text/xsl')]"/>
  <xsl:variable name="this-file" select="substring-before(substring-after($stylesheet-line, 'href=&quot;'), '&quot;')"/>
  <xsl:variable name="static" select="substring-before($this-file, 'feed.')"/>
  <xsl:variable name="language" select="/rss/channel/language"/>
  <!-- The page's words in the feed's language: English, or Persian for the /fa/ edition's feeds. -->
  <xsl:variable name="persian" select="starts-with($language, 'fa')"/>
  <xsl:variable name="feed-url" select="/rss/channel/atom:link[@rel='self']/@href"/>

  <xsl:template match="/">
    <html>
      <xsl:attribute name="lang"><xsl:value-of select="$language"/></xsl:attribute>
      <xsl:attribute name="dir">
        <xsl:choose>
          <xsl:when test="starts-with($language, 'fa') or starts-with($language, 'ar') or starts-with($language, 'he') or starts-with($language, 'ur')">rtl</xsl:when>
          <xsl:otherwise>ltr</xsl:otherwise>
        </xsl:choose>
      </xsl:attribute>
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="robots" content="noindex"/>
        <title><xsl:value-of select="/rss/channel/title"/> · <xsl:choose><xsl:when test="$persian">خوراک RSS</xsl:when><xsl:otherwise>RSS feed</xsl:otherwise></xsl:choose></title>
        <link rel="stylesheet" href="{$static}css/site.css"/>
        <link rel="stylesheet" href="{$static}css/reader.css"/>
        <link rel="icon" href="{$static}img/favicon.svg" type="image/svg+xml"/>
      </head>
      <body>
        <main id="main" class="wrap feed-page">
          <xsl:apply-templates select="/rss/channel"/>
        </main>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="channel">
    <header class="feed-page__header">
      <p class="kicker"><xsl:choose><xsl:when test="$persian">خوراک RSS</xsl:when><xsl:otherwise>RSS feed</xsl:otherwise></xsl:choose></p>
      <h1 class="feed-page__title"><xsl:value-of select="title"/></h1>
      <xsl:if test="description != ''">
        <p class="feed-page__description"><xsl:value-of select="description"/></p>
      </xsl:if>
    </header>
    <section class="feed-page__about" aria-labelledby="feed-about-heading">
      <h2 id="feed-about-heading"><xsl:choose><xsl:when test="$persian">این یک خوراک خبری است</xsl:when><xsl:otherwise>This is a news feed</xsl:otherwise></xsl:choose></h2>
      <p><xsl:choose><xsl:when test="$persian">تازه‌ترین خبرهای ما را برای برنامه‌های خبرخوان (خوراک‌خوان یا RSS‌خوان) فهرست می‌کند؛ این برنامه‌ها خبرهای وب‌سایت‌های بسیاری را یک‌جا گرد می‌آورند و هر چیز تازه‌ای را به شما خبر می‌دهند. در این صفحه چیزی برای نصب نیست، و نیازی به ساختن حساب نزد ما نیست.</xsl:when><xsl:otherwise>It lists our latest stories for news reader apps (also called RSS or feed readers), which bring the stories of many websites together and tell you when there is something new. There is nothing to install on this page, and no account to make with us.</xsl:otherwise></xsl:choose></p>
      <p><xsl:choose><xsl:when test="$persian">برای دنبال کردن این خبرها، نشانی این صفحه را در خبرخوان خود بگذارید:</xsl:when><xsl:otherwise>To follow these stories, copy this page’s address into your news reader:</xsl:otherwise></xsl:choose></p>
      <p class="feed-page__address"><code dir="ltr"><xsl:value-of select="$feed-url"/></code></p>
      <xsl:choose>
        <xsl:when test="$persian">
          <p>با خوراک‌ها تازه آشنا شده‌اید؟ <a href="https://aboutfeeds.com/" rel="noopener noreferrer" lang="en" hreflang="en">About Feeds</a> (به انگلیسی) آن‌ها را توضیح می‌دهد و خبرخوان‌هایی برای شروع پیشنهاد می‌کند. یا به <a href="{link}">وب‌سایت</a> برگردید.</p>
        </xsl:when>
        <xsl:otherwise>
          <p>New to feeds? <a href="https://aboutfeeds.com/" rel="noopener noreferrer">About Feeds</a> explains them and suggests readers to start with. Or go back to <a href="{link}">the website</a>.</p>
        </xsl:otherwise>
      </xsl:choose>
    </section>
    <section aria-labelledby="feed-items-heading">
      <h2 class="section-title" id="feed-items-heading"><xsl:choose><xsl:when test="$persian">تازه‌ترین خبرهای این خوراک</xsl:when><xsl:otherwise>Latest stories in this feed</xsl:otherwise></xsl:choose></h2>
      <ul class="feed-page__items" role="list">
        <xsl:apply-templates select="item"/>
      </ul>
    </section>
  </xsl:template>

  <xsl:template match="item">
    <li class="feed-page__item">
      <h3 class="feed-page__item-title"><a href="{link}"><xsl:value-of select="title"/></a></h3>
      <p class="feed-page__item-meta">
        <xsl:for-each select="dc:creator">
          <xsl:if test="position() > 1"><xsl:choose><xsl:when test="$persian">، </xsl:when><xsl:otherwise>, </xsl:otherwise></xsl:choose></xsl:if>
          <xsl:value-of select="."/>
        </xsl:for-each>
        <xsl:if test="dc:creator and pubDate"> · </xsl:if>
        <!-- As the feed gives it (RFC 822, in English): marked so, read left to right. -->
        <span lang="en" dir="ltr"><xsl:value-of select="pubDate"/></span>
      </p>
    </li>
  </xsl:template>
</xsl:stylesheet>
